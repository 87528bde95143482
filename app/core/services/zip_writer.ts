import { crc32 } from 'node:zlib'

/**
 * A streaming ZIP writer for exports: entries are stored (PDFs are
 * compressed inside already), written one after another as they come, so
 * an export of 40,000 certificates never sits in memory. The CRC-32 of an
 * entry can be continued from a known prefix (`crcAfter`), so a
 * certificate stored as base + part costs a checksum of its part only.
 * ZIP64 records are added when entries pass 65,535 or offsets 4 GiB.
 *
 * Not yazl: it computes every entry's CRC-32 itself, over the whole entry,
 * in JavaScript (buffer-crc32), on the event loop. 10,000 certificates of
 * base 14 KB + part 2 KB (158 MB): yazl 885–1,062 ms of CPU, this writer
 * 95–99 ms (zlib's native CRC of the 2 KB parts only), measured for issue 13.
 */

export interface ZipEntry {
  name: string
  /** The entry's bytes, in pieces written in order. */
  pieces: Uint8Array[]
  /** CRC-32 of the whole entry when the caller knows it (continued from a cached prefix). */
  crc?: number
  modified?: Date
}

interface Written {
  name: Buffer
  crc: number
  size: number
  offset: number
  dosTime: number
  dosDate: number
}

const UTF8_FLAG = 0x0800

function dos(date: Date) {
  const year = Math.max(1980, date.getUTCFullYear())
  return {
    time:
      (date.getUTCHours() << 11) |
      (date.getUTCMinutes() << 5) |
      Math.floor(date.getUTCSeconds() / 2),
    date: ((year - 1980) << 9) | ((date.getUTCMonth() + 1) << 5) | date.getUTCDate(),
  }
}

export function crcOf(pieces: Uint8Array[], start = 0) {
  let crc = start
  for (const piece of pieces) crc = crc32(piece, crc)
  return crc
}

export class ZipWriter {
  private offset = 0
  private readonly entries: Written[] = []

  /** `write` receives every chunk of the archive in order (and may apply backpressure by returning a promise). */
  constructor(private readonly write: (chunk: Uint8Array) => Promise<void> | void) {}

  async add(entry: ZipEntry) {
    const name = Buffer.from(entry.name, 'utf8')
    const size = entry.pieces.reduce((total, piece) => total + piece.length, 0)
    const crc = entry.crc ?? crcOf(entry.pieces)
    const { time, date } = dos(entry.modified ?? new Date())
    const big = size >= 0xffffffff || this.offset >= 0xffffffff
    const extra = big ? zip64Extra(size, size, null) : Buffer.alloc(0)
    const header = Buffer.alloc(30)
    header.writeUInt32LE(0x04034b50, 0)
    header.writeUInt16LE(big ? 45 : 20, 4)
    header.writeUInt16LE(UTF8_FLAG, 6)
    header.writeUInt16LE(0, 8) // stored
    header.writeUInt16LE(time, 10)
    header.writeUInt16LE(date, 12)
    header.writeUInt32LE(crc >>> 0, 14)
    header.writeUInt32LE(big ? 0xffffffff : size, 18)
    header.writeUInt32LE(big ? 0xffffffff : size, 22)
    header.writeUInt16LE(name.length, 26)
    header.writeUInt16LE(extra.length, 28)
    this.entries.push({
      name,
      crc: crc >>> 0,
      size,
      offset: this.offset,
      dosTime: time,
      dosDate: date,
    })
    await this.emit(header)
    await this.emit(name)
    if (extra.length) await this.emit(extra)
    for (const piece of entry.pieces) await this.emit(piece)
  }

  async finish() {
    const start = this.offset
    for (const entry of this.entries) {
      const big = entry.size >= 0xffffffff || entry.offset >= 0xffffffff
      const extra = big ? zip64Extra(entry.size, entry.size, entry.offset) : Buffer.alloc(0)
      const header = Buffer.alloc(46)
      header.writeUInt32LE(0x02014b50, 0)
      header.writeUInt16LE(big ? 45 : 20, 4)
      header.writeUInt16LE(big ? 45 : 20, 6)
      header.writeUInt16LE(UTF8_FLAG, 8)
      header.writeUInt16LE(0, 10)
      header.writeUInt16LE(entry.dosTime, 12)
      header.writeUInt16LE(entry.dosDate, 14)
      header.writeUInt32LE(entry.crc, 16)
      header.writeUInt32LE(big ? 0xffffffff : entry.size, 20)
      header.writeUInt32LE(big ? 0xffffffff : entry.size, 24)
      header.writeUInt16LE(entry.name.length, 28)
      header.writeUInt16LE(extra.length, 30)
      header.writeUInt32LE(big ? 0xffffffff : entry.offset, 42)
      await this.emit(header)
      await this.emit(entry.name)
      if (extra.length) await this.emit(extra)
    }
    const size = this.offset - start
    const count = this.entries.length
    if (count >= 0xffff || start >= 0xffffffff || size >= 0xffffffff) {
      const recordOffset = this.offset
      const record = Buffer.alloc(56)
      record.writeUInt32LE(0x06064b50, 0)
      record.writeBigUInt64LE(44n, 4)
      record.writeUInt16LE(45, 12)
      record.writeUInt16LE(45, 14)
      record.writeBigUInt64LE(BigInt(count), 24)
      record.writeBigUInt64LE(BigInt(count), 32)
      record.writeBigUInt64LE(BigInt(size), 40)
      record.writeBigUInt64LE(BigInt(start), 48)
      const locator = Buffer.alloc(20)
      locator.writeUInt32LE(0x07064b50, 0)
      locator.writeBigUInt64LE(BigInt(recordOffset), 8)
      locator.writeUInt32LE(1, 16)
      await this.emit(record)
      await this.emit(locator)
    }
    const end = Buffer.alloc(22)
    end.writeUInt32LE(0x06054b50, 0)
    end.writeUInt16LE(Math.min(count, 0xffff), 8)
    end.writeUInt16LE(Math.min(count, 0xffff), 10)
    end.writeUInt32LE(Math.min(size, 0xffffffff), 12)
    end.writeUInt32LE(Math.min(start, 0xffffffff), 16)
    await this.emit(end)
  }

  private async emit(chunk: Uint8Array) {
    this.offset += chunk.length
    await this.write(chunk)
  }
}

function zip64Extra(uncompressed: number, compressed: number, offset: number | null) {
  const extra = Buffer.alloc(offset === null ? 20 : 28)
  extra.writeUInt16LE(0x0001, 0)
  extra.writeUInt16LE(extra.length - 4, 2)
  extra.writeBigUInt64LE(BigInt(uncompressed), 4)
  extra.writeBigUInt64LE(BigInt(compressed), 12)
  if (offset !== null) extra.writeBigUInt64LE(BigInt(offset), 20)
  return extra
}
