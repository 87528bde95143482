import type { Readable } from 'node:stream'
import yauzl from 'yauzl'

/**
 * A ZIP archive (yauzl) read from its central directory, with limits
 * checked before anything is inflated: the number of entries, the total
 * size they claim, and how much each claims to grow. yauzl stops an entry
 * that inflates past its declared size (`validateEntrySizes`), so one that
 * lies about its size fails instead of exhausting memory, and refuses
 * absolute or `..` names. Stored and deflated entries, no encryption.
 */

export interface ZipLimits {
  maxEntries: number
  /** Sum of the entries' uncompressed sizes, bytes. */
  maxTotalBytes: number
  /** Uncompressed ÷ compressed, for entries over 1 MB. */
  maxRatio: number
}

export class ZipProblem extends Error {
  constructor(
    readonly code:
      | 'not_zip'
      | 'too_many_entries'
      | 'too_large'
      | 'suspicious_ratio'
      | 'encrypted'
      | 'unsupported'
      | 'corrupt',
    message: string
  ) {
    super(message)
    this.name = 'ZipProblem'
  }
}

function openZip(bytes: Uint8Array) {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  return new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.fromBuffer(
      buffer,
      { lazyEntries: true, validateEntrySizes: true, strictFileNames: false },
      (error, zip) => (error ? reject(error) : resolve(zip))
    )
  )
}

export class ZipArchive {
  private constructor(
    private readonly zip: yauzl.ZipFile,
    private readonly entries: Map<string, yauzl.Entry>
  ) {}

  static async open(bytes: Uint8Array, limits: ZipLimits): Promise<ZipArchive> {
    let zip: yauzl.ZipFile
    try {
      zip = await openZip(bytes)
    } catch (error) {
      throw /end of central directory record signature not found/.test((error as Error).message)
        ? new ZipProblem('not_zip', 'the file is not a valid .xlsx (ZIP) file')
        : new ZipProblem('corrupt', 'the file’s table of contents is damaged')
    }
    if (zip.entryCount > limits.maxEntries) {
      zip.close()
      throw new ZipProblem(
        'too_many_entries',
        `the file holds ${zip.entryCount} parts; a workbook of recipients has at most ${limits.maxEntries}`
      )
    }
    const entries = new Map<string, yauzl.Entry>()
    let total = 0
    const check = (entry: yauzl.Entry) => {
      if (entry.isEncrypted())
        throw new ZipProblem('encrypted', 'the workbook is password-protected')
      if (entry.compressionMethod !== 0 && entry.compressionMethod !== 8)
        throw new ZipProblem(
          'unsupported',
          `a part of the file uses compression method ${entry.compressionMethod}`
        )
      const { uncompressedSize: size, compressedSize } = entry
      total += size
      if (total > limits.maxTotalBytes) {
        throw new ZipProblem(
          'too_large',
          `the workbook unpacks to more than ${Math.round(limits.maxTotalBytes / 1024 / 1024)} MB`
        )
      }
      if (size > 1024 * 1024 && size / Math.max(1, compressedSize) > limits.maxRatio) {
        throw new ZipProblem(
          'suspicious_ratio',
          `a part of the file claims to grow ${Math.round(size / Math.max(1, compressedSize))} times when unpacked (a ZIP bomb)`
        )
      }
    }
    await new Promise<void>((resolve, reject) => {
      const fail = (error: Error) => {
        zip.close()
        reject(
          error instanceof ZipProblem
            ? error
            : new ZipProblem('corrupt', 'the file’s table of contents is damaged')
        )
      }
      zip.on('entry', (entry: yauzl.Entry) => {
        try {
          check(entry)
        } catch (error) {
          return fail(error as Error)
        }
        entries.set(entry.fileName, entry)
        zip.readEntry()
      })
      zip.once('end', () => resolve())
      zip.once('error', fail)
      zip.readEntry()
    })
    return new ZipArchive(zip, entries)
  }

  names() {
    return [...this.entries.keys()]
  }

  has(name: string) {
    return this.entries.has(name)
  }

  /** The entry's declared uncompressed size, bytes (0 when absent). */
  sizeOf(name: string) {
    return this.entries.get(name)?.uncompressedSize ?? 0
  }

  /**
   * The entry's bytes as they unpack, in chunks, so a large sheet is never
   * held unpacked all at once; stops with an error past its declared size.
   */
  async *stream(name: string): AsyncGenerator<Buffer> {
    const entry = this.entries.get(name)
    if (!entry) return
    let stream: Readable
    try {
      stream = await this.zip.openReadStreamPromise(entry)
    } catch (error) {
      throw new ZipProblem('corrupt', `the part ${name} is damaged (${(error as Error).message})`)
    }
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) yield chunk
    } catch (error) {
      const message = (error as Error).message
      throw new ZipProblem(
        'corrupt',
        /too many bytes/.test(message)
          ? `the part ${name} unpacks to more than its declared size`
          : `the part ${name} cannot be unpacked (${message})`
      )
    } finally {
      stream.destroy()
    }
  }

  /** The entry's bytes, or null when there is no such entry. */
  async read(name: string): Promise<Buffer | null> {
    if (!this.entries.has(name)) return null
    const chunks: Buffer[] = []
    for await (const chunk of this.stream(name)) chunks.push(chunk)
    return Buffer.concat(chunks)
  }
}
