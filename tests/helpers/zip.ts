import { createDeflateRaw, crc32 as zlibCrc32, deflateRawSync, inflateRawSync } from 'node:zlib'

/**
 * A minimal ZIP writer for tests that need archives no spreadsheet program
 * would write: bombs, too many parts, parts that lie about their size.
 */

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})

export function crc32(data: Buffer, crc = 0) {
  let c = ~crc >>> 0
  for (const byte of data) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8)
  return ~c >>> 0
}

export interface ZipPart {
  name: string
  /** Deflated bytes, their CRC and the size they unpack to (or what they claim). */
  compressed: Buffer
  crc: number
  size: number
}

export function part(name: string, data: string | Buffer): ZipPart {
  const bytes = Buffer.isBuffer(data) ? data : Buffer.from(data)
  return { name, compressed: deflateRawSync(bytes), crc: crc32(bytes), size: bytes.length }
}

/** `head`, then `chunk` repeated `times`, then `tail`, deflated as a stream (never held unpacked). */
export async function repeatedPart(
  name: string,
  head: string,
  chunk: string,
  times: number,
  tail: string
): Promise<ZipPart> {
  const deflate = createDeflateRaw({ level: 9 })
  const out: Buffer[] = []
  deflate.on('data', (data: Buffer) => out.push(data))
  const done = new Promise((resolve, reject) => deflate.on('end', resolve).on('error', reject))
  let crc = 0
  let size = 0
  const write = (text: string) => {
    const bytes = Buffer.from(text)
    crc = crc32(bytes, crc)
    size += bytes.length
    return new Promise<void>((resolve) =>
      deflate.write(bytes) ? resolve() : deflate.once('drain', resolve)
    )
  }
  await write(head)
  const block = chunk.repeat(Math.max(1, Math.floor((1 << 20) / chunk.length)))
  const perBlock = block.length / chunk.length
  let left = times
  while (left > 0) {
    await write(left >= perBlock ? block : chunk.repeat(left))
    left -= perBlock
  }
  await write(tail)
  deflate.end()
  await done
  return { name, compressed: Buffer.concat(out), crc, size }
}

export function zipOf(parts: ZipPart[]) {
  const locals: Buffer[] = []
  const central: Buffer[] = []
  let offset = 0
  for (const entry of parts) {
    const name = Buffer.from(entry.name)
    const local = Buffer.alloc(30)
    local.writeUInt32LE(0x04034b50, 0)
    local.writeUInt16LE(20, 4)
    local.writeUInt16LE(0, 6)
    local.writeUInt16LE(8, 8)
    local.writeUInt32LE(entry.crc, 14)
    local.writeUInt32LE(entry.compressed.length, 18)
    local.writeUInt32LE(entry.size, 22)
    local.writeUInt16LE(name.length, 26)
    locals.push(local, name, entry.compressed)

    const header = Buffer.alloc(46)
    header.writeUInt32LE(0x02014b50, 0)
    header.writeUInt16LE(20, 4)
    header.writeUInt16LE(20, 6)
    header.writeUInt16LE(8, 10)
    header.writeUInt32LE(entry.crc, 16)
    header.writeUInt32LE(entry.compressed.length, 20)
    header.writeUInt32LE(entry.size, 24)
    header.writeUInt16LE(name.length, 28)
    header.writeUInt32LE(offset, 42)
    central.push(header, name)
    offset += 30 + name.length + entry.compressed.length
  }
  const directory = Buffer.concat(central)
  const end = Buffer.alloc(22)
  end.writeUInt32LE(0x06054b50, 0)
  end.writeUInt16LE(parts.length, 8)
  end.writeUInt16LE(parts.length, 10)
  end.writeUInt32LE(directory.length, 12)
  end.writeUInt32LE(offset, 16)
  return new Uint8Array(Buffer.concat([...locals, directory, end]))
}

/** The parts every .xlsx needs around its one sheet. */
export function workbookParts(sheetXml: ZipPart | string): ZipPart[] {
  return [
    part(
      '[Content_Types].xml',
      '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
    ),
    part(
      '_rels/.rels',
      '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    ),
    part(
      'xl/workbook.xml',
      '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Recipients" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    part(
      'xl/_rels/workbook.xml.rels',
      '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
    ),
    typeof sheetXml === 'string' ? part('xl/worksheets/sheet1.xml', sheetXml) : sheetXml,
  ]
}

export const SHEET_HEAD =
  '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
export const SHEET_TAIL = '</sheetData></worksheet>'

/** A sheet row of inline strings. */
export function sheetRow(index: number, cells: string[]) {
  return `<row r="${index}">${cells.map((value) => `<c t="inlineStr"><is><t>${value}</t></is></c>`).join('')}</row>`
}

/**
 * Reads a ZIP's entries through its central directory (stored or deflated),
 * checking each entry's CRC-32 against its bytes: an export that a real
 * unzip tool would reject fails here too.
 */
export function readZip(bytes: Uint8Array): Array<{ name: string; bytes: Uint8Array }> {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  let end = buffer.length - 22
  while (end >= 0 && buffer.readUInt32LE(end) !== 0x06054b50) end--
  if (end < 0) throw new Error('no end of central directory')
  const count = buffer.readUInt16LE(end + 10)
  let at = buffer.readUInt32LE(end + 16)
  const entries: Array<{ name: string; bytes: Uint8Array }> = []
  for (let i = 0; i < count; i++) {
    if (buffer.readUInt32LE(at) !== 0x02014b50) throw new Error(`bad central header ${i}`)
    const method = buffer.readUInt16LE(at + 10)
    const crc = buffer.readUInt32LE(at + 16)
    const compressed = buffer.readUInt32LE(at + 20)
    const nameLength = buffer.readUInt16LE(at + 28)
    const extraLength = buffer.readUInt16LE(at + 30)
    const commentLength = buffer.readUInt16LE(at + 32)
    const local = buffer.readUInt32LE(at + 42)
    const name = buffer.subarray(at + 46, at + 46 + nameLength).toString('utf8')
    const dataStart = local + 30 + buffer.readUInt16LE(local + 26) + buffer.readUInt16LE(local + 28)
    const raw = buffer.subarray(dataStart, dataStart + compressed)
    const data = method === 8 ? inflateRawSync(raw) : raw
    if (zlibCrc32(data) >>> 0 !== crc) throw new Error(`CRC mismatch in ${name}`)
    entries.push({ name, bytes: new Uint8Array(data) })
    at += 46 + nameLength + extraLength + commentLength
  }
  return entries
}
