import { createHash } from 'node:crypto'
import { deflateSync } from 'node:zlib'
import { Encodings, Font, FontNames } from '@pdf-lib/standard-fonts'
import fontkit from '@pdf-lib/fontkit'
import { PDFDocument, type PDFFont, type PDFPage, rgb } from 'pdf-lib'

/**
 * Where an invoice is drawn: pages of text and lines, then the PDF's bytes.
 *
 * `StandardFontCanvas` writes the PDF itself: Helvetica and Helvetica-Bold
 * (two of the 14 fonts every reader has, so nothing is embedded), text in
 * WinAnsi, each page's content stream deflated by zlib; widths from the
 * fonts' Adobe metrics (`@pdf-lib/standard-fonts`, what pdf-lib measures
 * with). It draws an invoice in about a tenth of the time pdf-lib takes
 * (ARCHITECTURE.md, billing: 10,000 invoices a month are a billing run's
 * largest cost). `PdfLibCanvas` is pdf-lib with Noto Sans embedded as a
 * subset, for a document with a character WinAnsi cannot encode (a name
 * in another script, the rupee sign).
 */
export type Color = readonly [number, number, number]

export interface DocumentInfo {
  title: string
  author: string
  subject: string
  /** `YYYY-MM-DD`: creation and modification date (a document drawn twice is byte-identical). */
  date: string
}

export interface Canvas {
  readonly width: number
  readonly height: number
  widthOf(text: string, size: number, bold: boolean): number
  text(text: string, x: number, y: number, size: number, bold: boolean, color: Color): void
  line(x1: number, y1: number, x2: number, y2: number, thickness: number, color: Color): void
  addPage(): void
  save(info: DocumentInfo): Promise<Uint8Array>
}

export const A4 = { width: 595.28, height: 841.89 } as const

const HELVETICA = Font.load(FontNames.Helvetica)
const HELVETICA_BOLD = Font.load(FontNames.HelveticaBold)
const WIN_ANSI = Encodings.WinAnsi

/** Whether every character of these texts has a WinAnsi code (then the standard fonts can set them). */
export function winAnsiCovers(texts: string[]) {
  for (const text of texts) {
    for (const character of text) {
      if (!WIN_ANSI.canEncodeUnicodeCodePoint(character.codePointAt(0)!)) return false
    }
  }
  return true
}

const number = (value: number) => {
  const rounded = Math.round(value * 100) / 100
  return Object.is(rounded, -0) ? '0' : String(rounded)
}

/** A PDF literal string of WinAnsi codes: ASCII as is, `(`, `)` and `\` escaped, the rest in octal. */
function literal(text: string) {
  let out = '('
  for (const character of text) {
    const { code } = WIN_ANSI.encodeUnicodeCodePoint(character.codePointAt(0)!)
    if (code === 0x28 || code === 0x29 || code === 0x5c) out += `\\${String.fromCharCode(code)}`
    else if (code >= 0x20 && code < 0x7f) out += String.fromCharCode(code)
    else out += `\\${code.toString(8).padStart(3, '0')}`
  }
  return `${out})`
}

/** A PDF text string for the document's information: UTF-16BE with its byte order mark, in hex. */
function textString(text: string) {
  let hex = 'FEFF'
  for (let index = 0; index < text.length; index++) {
    hex += text.charCodeAt(index).toString(16).padStart(4, '0').toUpperCase()
  }
  return `<${hex}>`
}

export class StandardFontCanvas implements Canvas {
  readonly width = A4.width
  readonly height = A4.height
  #pages: string[][] = [[]]

  widthOf(text: string, size: number, bold: boolean) {
    const font = bold ? HELVETICA_BOLD : HELVETICA
    let units = 0
    for (const character of text) {
      const { name } = WIN_ANSI.encodeUnicodeCodePoint(character.codePointAt(0)!)
      units += font.getWidthOfGlyph(name) ?? 0
    }
    return (units * size) / 1000
  }

  text(text: string, x: number, y: number, size: number, bold: boolean, color: Color) {
    this.#pages
      .at(-1)!
      .push(
        `BT ${color.map(number).join(' ')} rg /${bold ? 'F2' : 'F1'} ${number(size)} Tf ${number(x)} ${number(y)} Td ${literal(text)} Tj ET`
      )
  }

  line(x1: number, y1: number, x2: number, y2: number, thickness: number, color: Color) {
    this.#pages
      .at(-1)!
      .push(
        `${color.map(number).join(' ')} RG ${number(thickness)} w ${number(x1)} ${number(y1)} m ${number(x2)} ${number(y2)} l S`
      )
  }

  addPage() {
    this.#pages.push([])
  }

  async save(info: DocumentInfo) {
    const date = `D:${info.date.replaceAll('-', '')}000000Z`
    const pageCount = this.#pages.length
    // 1 catalog, 2 pages, 3-4 fonts, 5 info, then a page and its content stream each.
    const objects: (string | Buffer)[] = [
      '<< /Type /Catalog /Pages 2 0 R >>',
      `<< /Type /Pages /Kids [${this.#pages.map((_, index) => `${6 + index * 2} 0 R`).join(' ')}] /Count ${pageCount} >>`,
      '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>',
      '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>',
      `<< /Title ${textString(info.title)} /Author ${textString(info.author)} /Subject ${textString(info.subject)} /Creator (Authentix) /Producer (Authentix) /CreationDate (${date}) /ModDate (${date}) >>`,
    ]
    for (const [index, operators] of this.#pages.entries()) {
      const stream = deflateSync(Buffer.from(operators.join('\n'), 'latin1'))
      objects.push(
        `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${A4.width} ${A4.height}] /Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents ${7 + index * 2} 0 R >>`,
        Buffer.concat([
          Buffer.from(`<< /Length ${stream.length} /Filter /FlateDecode >>\nstream\n`, 'latin1'),
          stream,
          Buffer.from('\nendstream', 'latin1'),
        ])
      )
    }
    const parts: Buffer[] = [Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1')]
    let offset = parts[0].length
    const offsets: number[] = []
    for (const [index, body] of objects.entries()) {
      const object = Buffer.concat([
        Buffer.from(`${index + 1} 0 obj\n`, 'latin1'),
        typeof body === 'string' ? Buffer.from(body, 'latin1') : body,
        Buffer.from('\nendobj\n', 'latin1'),
      ])
      offsets.push(offset)
      offset += object.length
      parts.push(object)
    }
    const id = createHash('md5').update(Buffer.concat(parts)).digest('hex')
    const xref = [
      'xref',
      `0 ${objects.length + 1}`,
      '0000000000 65535 f ',
      ...offsets.map((at) => `${String(at).padStart(10, '0')} 00000 n `),
      'trailer',
      `<< /Size ${objects.length + 1} /Root 1 0 R /Info 5 0 R /ID [<${id}> <${id}>] >>`,
      'startxref',
      String(offset),
      '%%EOF',
      '',
    ].join('\n')
    parts.push(Buffer.from(xref, 'latin1'))
    return new Uint8Array(Buffer.concat(parts))
  }
}

/** pdf-lib with Noto Sans (regular and bold) embedded as subsets. */
export class PdfLibCanvas implements Canvas {
  readonly width = A4.width
  readonly height = A4.height
  #page: PDFPage

  private constructor(
    private pdf: PDFDocument,
    private fonts: { regular: PDFFont; bold: PDFFont }
  ) {
    this.#page = pdf.addPage([A4.width, A4.height])
  }

  static async create(fontBytes: { regular: Uint8Array; bold: Uint8Array }) {
    const pdf = await PDFDocument.create()
    pdf.registerFontkit(fontkit)
    const fonts = {
      regular: await pdf.embedFont(fontBytes.regular, { subset: true }),
      bold: await pdf.embedFont(fontBytes.bold, { subset: true }),
    }
    return new PdfLibCanvas(pdf, fonts)
  }

  widthOf(text: string, size: number, bold: boolean) {
    return (bold ? this.fonts.bold : this.fonts.regular).widthOfTextAtSize(text, size)
  }

  text(text: string, x: number, y: number, size: number, bold: boolean, color: Color) {
    this.#page.drawText(text, {
      x,
      y,
      size,
      font: bold ? this.fonts.bold : this.fonts.regular,
      color: rgb(...color),
    })
  }

  line(x1: number, y1: number, x2: number, y2: number, thickness: number, color: Color) {
    this.#page.drawLine({
      start: { x: x1, y: y1 },
      end: { x: x2, y: y2 },
      thickness,
      color: rgb(...color),
    })
  }

  addPage() {
    this.#page = this.pdf.addPage([A4.width, A4.height])
  }

  async save(info: DocumentInfo) {
    const date = new Date(`${info.date}T00:00:00Z`)
    this.pdf.setTitle(info.title)
    this.pdf.setAuthor(info.author)
    this.pdf.setSubject(info.subject)
    this.pdf.setCreator('Authentix')
    this.pdf.setProducer('Authentix')
    this.pdf.setCreationDate(date)
    this.pdf.setModificationDate(date)
    return this.pdf.save({ useObjectStreams: false })
  }
}
