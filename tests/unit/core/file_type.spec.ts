import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { deflateSync } from 'node:zlib'
import { test } from '@japa/runner'
import { MIME, assertAllowed, detectFileType, uploadProblemMessage } from '#core/services/file_type'

const FIXTURES = new URL('../../../../shared/fixtures/', import.meta.url).pathname

function fixtures(folder: string, extension: string) {
  const dir = join(FIXTURES, folder)
  return readdirSync(dir)
    .filter((name) => name.endsWith(extension))
    .map((name) => ({ name, bytes: readFileSync(join(dir, name)) }))
}

function crc32(bytes: Buffer) {
  let crc = 0xffffffff
  for (const byte of bytes) {
    crc ^= byte
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1
  }
  return (crc ^ 0xffffffff) >>> 0
}

function pngChunk(type: string, data: Buffer) {
  const length = Buffer.alloc(4)
  length.writeUInt32BE(data.length)
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(body))
  return Buffer.concat([length, body, crc])
}

/** A real 1×1 white RGB PNG. */
function onePixelPng() {
  const header = Buffer.alloc(13)
  header.writeUInt32BE(1, 0)
  header.writeUInt32BE(1, 4)
  header[8] = 8 // bit depth
  header[9] = 2 // RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(Buffer.from([0, 255, 255, 255]))),
    pngChunk('IEND', Buffer.alloc(0)),
  ])
}

/** The start of a JFIF JPEG: SOI + APP0. */
function jpegStart() {
  return Buffer.concat([
    Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]),
    Buffer.from('JFIF\0', 'latin1'),
    Buffer.from([0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0xff, 0xd9]),
  ])
}

function webpStart() {
  const bytes = Buffer.alloc(30)
  bytes.write('RIFF', 0, 'latin1')
  bytes.writeUInt32LE(22, 4)
  bytes.write('WEBPVP8L', 8, 'latin1')
  return bytes
}

test.group('File type detection', () => {
  test('every PDF fixture is a PDF', ({ assert }) => {
    const pdfs = fixtures('pdf', '.pdf')
    assert.isAbove(pdfs.length, 10)
    for (const { name, bytes } of pdfs)
      assert.deepEqual(detectFileType(bytes), { mime: MIME.pdf, extension: 'pdf' }, name)
  })

  test('a PDF named .png is still detected as a PDF', ({ assert }) => {
    const { bytes } = fixtures('pdf', '.pdf').find((f) => f.name === 'basicapi.pdf')!
    const result = assertAllowed(bytes, [MIME.png, MIME.jpeg], { maxBytes: 10 * 1024 * 1024 })
    assert.deepEqual(result, {
      kind: 'unsupported_type',
      detected: MIME.pdf,
      allowed: [MIME.png, MIME.jpeg],
    })
    assert.equal(detectFileType(bytes)?.mime, MIME.pdf)
  })

  test('every XLSX fixture is an Excel workbook, not just a ZIP', ({ assert }) => {
    const workbooks = [...fixtures('xlsx', '.xlsx'), ...fixtures('recipients', '.xlsx')]
    assert.isAbove(workbooks.length, 5)
    for (const { name, bytes } of workbooks) {
      assert.deepEqual(detectFileType(bytes), { mime: MIME.xlsx, extension: 'xlsx' }, name)
    }
  })

  test('a ZIP that holds no workbook is a plain ZIP', ({ assert }) => {
    const zip = Buffer.concat([
      Buffer.from([0x50, 0x4b, 0x03, 0x04]),
      Buffer.from('....readme.txt hello', 'latin1'),
    ])
    assert.deepEqual(detectFileType(zip), { mime: MIME.zip, extension: 'zip' })
    assert.deepEqual(detectFileType(Buffer.from([0x50, 0x4b, 0x05, 0x06, ...Buffer.alloc(18)])), {
      mime: MIME.zip,
      extension: 'zip',
    })
  })

  test('CSV exports in UTF-8, UTF-8 with BOM, UTF-16 and Windows-1252 are text', ({ assert }) => {
    const texts = [
      ...fixtures('recipients', '.csv'),
      ...fixtures('recipients', '.txt'),
      ...fixtures('xlsx', '.csv'),
    ]
    assert.includeMembers(
      texts.map((t) => t.name),
      [
        'clean-50.csv',
        'messy-excel-export.csv',
        'utf16le-tab.txt',
        'windows-1252.csv',
        'semicolon.csv',
      ]
    )
    for (const { name, bytes } of texts)
      assert.deepEqual(detectFileType(bytes), { mime: MIME.text, extension: 'txt' }, name)
  })

  test('a UTF-8 character cut at the 8 KB sample boundary is still text', ({ assert }) => {
    const text = Buffer.from('a'.repeat(8 * 1024 - 1) + 'अनन्या', 'utf8')
    assert.equal(detectFileType(text)?.mime, MIME.text)
  })

  test('generated PNG, JPEG and WebP bytes are images whatever they are called', ({ assert }) => {
    assert.deepEqual(detectFileType(onePixelPng()), { mime: MIME.png, extension: 'png' })
    assert.deepEqual(detectFileType(jpegStart()), { mime: MIME.jpeg, extension: 'jpg' })
    assert.deepEqual(detectFileType(webpStart()), { mime: MIME.webp, extension: 'webp' })
  })

  test('binary data, NUL bytes and empty files are not recognised', ({ assert }) => {
    assert.isNull(detectFileType(Buffer.alloc(0)))
    assert.isNull(detectFileType(Buffer.from('name,email\n\0\0\0', 'latin1')))
    assert.isNull(detectFileType(Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00])))
    assert.isNull(detectFileType(Buffer.from('RIFF\x10\x00\x00\x00WAVEfmt ', 'latin1')))
  })
})

test.group('Upload checks', () => {
  test('a file within the limit and of an allowed type is ok', ({ assert }) => {
    const png = onePixelPng()
    assert.deepEqual(assertAllowed(png, [MIME.png, MIME.jpeg], { maxBytes: png.length }), {
      kind: 'ok',
      mime: MIME.png,
      extension: 'png',
    })
  })

  test('size is checked before type', ({ assert }) => {
    const result = assertAllowed(Buffer.alloc(2048), [MIME.pdf], { maxBytes: 1024 })
    assert.deepEqual(result, { kind: 'too_large', maxBytes: 1024 })
    if (result.kind === 'ok') throw new Error('expected a refusal')
    assert.equal(uploadProblemMessage(result), 'The file is larger than 1 KB.')
    assert.equal(
      uploadProblemMessage({ kind: 'too_large', maxBytes: 10 * 1024 * 1024 }),
      'The file is larger than 10 MB.'
    )
  })

  test('the refusal message names what was found and what is accepted', ({ assert }) => {
    const { bytes } = fixtures('pdf', '.pdf')[0]
    const result = assertAllowed(bytes, [MIME.png, MIME.jpeg, MIME.webp], {
      maxBytes: 10 * 1024 * 1024,
    })
    if (result.kind === 'ok') throw new Error('expected a refusal')
    assert.equal(uploadProblemMessage(result), 'This is a PDF file; accepted: PNG, JPEG or WebP.')

    const unknown = assertAllowed(Buffer.from([0, 1, 2, 3]), [MIME.pdf], { maxBytes: 100 })
    if (unknown.kind === 'ok') throw new Error('expected a refusal')
    assert.deepEqual(unknown, { kind: 'unsupported_type', detected: null, allowed: [MIME.pdf] })
    assert.equal(
      uploadProblemMessage(unknown),
      'The type of this file is not recognised; accepted: PDF.'
    )
  })
})
