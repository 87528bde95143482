import { createInflateRaw, inflateRawSync } from 'node:zlib'

/**
 * A ZIP archive read from its central directory, with limits checked
 * before anything is inflated: the number of entries, the total size they
 * claim, and how much each claims to grow. Inflating is capped at the
 * claimed size too (`maxOutputLength`), so an entry that lies about its
 * size fails instead of exhausting memory. Enough of ZIP for .xlsx files:
 * stored and deflated entries, no encryption, no ZIP64.
 */

export interface ZipLimits {
  maxEntries: number
  /** Sum of the entries' uncompressed sizes, bytes. */
  maxTotalBytes: number
  /** Uncompressed ÷ compressed, for entries over 1 MB. */
  maxRatio: number
}

export interface ZipEntry {
  name: string
  method: number
  compressedSize: number
  size: number
  localOffset: number
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

const EOCD = 0x06054b50
const CENTRAL = 0x02014b50
const LOCAL = 0x04034b50

export class ZipArchive {
  private readonly entries = new Map<string, ZipEntry>()

  constructor(
    private readonly bytes: Buffer,
    limits: ZipLimits
  ) {
    const eocd = this.findEndOfCentralDirectory()
    const count = bytes.readUInt16LE(eocd + 10)
    const size = bytes.readUInt32LE(eocd + 12)
    const offset = bytes.readUInt32LE(eocd + 16)
    if (count === 0xffff || size === 0xffffffff || offset === 0xffffffff) {
      throw new ZipProblem(
        'unsupported',
        'the file is a ZIP64 archive, far larger than any recipient list'
      )
    }
    if (count > limits.maxEntries) {
      throw new ZipProblem(
        'too_many_entries',
        `the file holds ${count} parts; a workbook of recipients has at most ${limits.maxEntries}`
      )
    }
    if (offset + size > bytes.length)
      throw new ZipProblem('corrupt', 'the file is truncated or damaged')

    let at = offset
    let total = 0
    for (let i = 0; i < count; i++) {
      if (at + 46 > bytes.length || bytes.readUInt32LE(at) !== CENTRAL)
        throw new ZipProblem('corrupt', 'the file’s table of contents is damaged')
      const flags = bytes.readUInt16LE(at + 8)
      const method = bytes.readUInt16LE(at + 10)
      const compressedSize = bytes.readUInt32LE(at + 20)
      const uncompressed = bytes.readUInt32LE(at + 24)
      const nameLength = bytes.readUInt16LE(at + 28)
      const extraLength = bytes.readUInt16LE(at + 30)
      const commentLength = bytes.readUInt16LE(at + 32)
      const localOffset = bytes.readUInt32LE(at + 42)
      const name = bytes.toString('utf8', at + 46, at + 46 + nameLength)
      at += 46 + nameLength + extraLength + commentLength
      if (flags & 0x1) throw new ZipProblem('encrypted', 'the workbook is password-protected')
      if (method !== 0 && method !== 8)
        throw new ZipProblem('unsupported', `a part of the file uses compression method ${method}`)
      total += uncompressed
      if (total > limits.maxTotalBytes) {
        throw new ZipProblem(
          'too_large',
          `the workbook unpacks to more than ${Math.round(limits.maxTotalBytes / 1024 / 1024)} MB`
        )
      }
      if (
        uncompressed > 1024 * 1024 &&
        uncompressed / Math.max(1, compressedSize) > limits.maxRatio
      ) {
        throw new ZipProblem(
          'suspicious_ratio',
          `a part of the file claims to grow ${Math.round(uncompressed / Math.max(1, compressedSize))} times when unpacked (a ZIP bomb)`
        )
      }
      this.entries.set(name, { name, method, compressedSize, size: uncompressed, localOffset })
    }
  }

  private findEndOfCentralDirectory() {
    const bytes = this.bytes
    const stop = Math.max(0, bytes.length - 22 - 65535)
    for (let at = bytes.length - 22; at >= stop; at--) {
      if (bytes.readUInt32LE(at) === EOCD) return at
    }
    throw new ZipProblem('not_zip', 'the file is not a valid .xlsx (ZIP) file')
  }

  names() {
    return [...this.entries.keys()]
  }

  has(name: string) {
    return this.entries.has(name)
  }

  /** The entry's declared uncompressed size, bytes (0 when absent). */
  sizeOf(name: string) {
    return this.entries.get(name)?.size ?? 0
  }

  private compressed(entry: ZipEntry) {
    const at = entry.localOffset
    if (at + 30 > this.bytes.length || this.bytes.readUInt32LE(at) !== LOCAL)
      throw new ZipProblem('corrupt', `the part ${entry.name} is damaged`)
    const start = at + 30 + this.bytes.readUInt16LE(at + 26) + this.bytes.readUInt16LE(at + 28)
    return this.bytes.subarray(start, start + entry.compressedSize)
  }

  /**
   * The entry's bytes as they unpack, in chunks, so a large sheet is never
   * held unpacked all at once; stops with an error past its declared size.
   */
  async *stream(name: string): AsyncGenerator<Buffer> {
    const entry = this.entries.get(name)
    if (!entry) return
    const data = this.compressed(entry)
    if (entry.method === 0) {
      for (let at = 0; at < data.length; at += 1 << 20) yield data.subarray(at, at + (1 << 20))
      return
    }
    const inflater = createInflateRaw({ chunkSize: 1 << 18 })
    inflater.end(data)
    let total = 0
    try {
      for await (const chunk of inflater as AsyncIterable<Buffer>) {
        total += chunk.length
        if (total > entry.size)
          throw new ZipProblem('corrupt', `the part ${name} unpacks to more than its declared size`)
        yield chunk
      }
    } catch (error) {
      inflater.destroy()
      if (error instanceof ZipProblem) throw error
      throw new ZipProblem(
        'corrupt',
        `the part ${name} cannot be unpacked (${(error as Error).message})`
      )
    }
  }

  /** The entry's bytes, or null when there is no such entry. */
  read(name: string): Buffer | null {
    const entry = this.entries.get(name)
    if (!entry) return null
    const data = this.compressed(entry)
    if (entry.method === 0) return data
    try {
      const out = inflateRawSync(data, { maxOutputLength: Math.max(1, entry.size) })
      return out
    } catch (error) {
      throw new ZipProblem(
        'corrupt',
        `the part ${name} does not unpack to its declared size (${(error as Error).message})`
      )
    }
  }
}
