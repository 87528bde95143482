import { deflateSync } from 'node:zlib'
import { DateTime } from 'luxon'
import { PDFArray, PDFDict, PDFDocument, PDFName, PDFRef } from 'pdf-lib'
import { type FieldSpec, rgbOf } from '#templates/services/field_spec'
import { type FontLibrary, fontLibrary } from '#templates/services/fonts'
import { FontUsage, embedFontUsage, round3, utf16Hex } from '#templates/services/pdf_fonts'
import { ownValue } from '#core/services/own_keys'
import { qrOperators } from '#templates/services/qr'
import { type TextLayout, layoutText } from '#templates/services/text_layout'

/**
 * The renderer: a template version plus one data row → PDF bytes.
 *
 * Preparing a template does the expensive part once: it loads the
 * normalised page, draws the static images, and embeds each font as a subset
 * that covers every string the rows to come will draw. Rendering a row then
 * builds one small content stream (text as glyph codes, QR codes as
 * rectangles) and appends it to the prepared bytes as a PDF incremental
 * update: no PDF parsing, no font work, a few kilobytes per certificate.
 * The same code draws the designer's previews and issued certificates, so
 * what an org sees is what recipients get.
 */

export type DataRow = Record<string, string | number | null | undefined>

export interface TemplateImage {
  bytes: Uint8Array
  mime: 'image/png' | 'image/jpeg'
}

export interface TemplateSnapshot {
  /** The normalised one-page PDF of the version (no rotation, no active content). */
  sourcePdf: Uint8Array
  pageWidth: number
  pageHeight: number
  fields: FieldSpec[]
  /** Branding images by asset id, for image fields. */
  images: Record<string, TemplateImage>
}

export interface FieldMeasure {
  key: string
  /** The size the text is drawn at (smaller than the field's when auto-fit shrank it). */
  fontSize: number
  overflow: boolean
  missing: string[]
}

export class GlyphsNotPreparedError extends Error {
  constructor(key: string) {
    super(`The prepared template has no glyphs for the value of "${key}"; prepare it with this row`)
    this.name = 'GlyphsNotPreparedError'
  }
}

/** Text of a field for a row: dates formatted, numbers as written, empty when absent. */
export function fieldText(field: FieldSpec, row: DataRow): string {
  const raw = ownValue(row, field.key)
  if (raw === null || raw === undefined) return ''
  const value = String(raw).trim()
  if (field.type !== 'date' || value === '') return value
  const key = `${field.dateFormat}\u0000${value}`
  let text = formattedDates.get(key)
  if (text === undefined) {
    const date = DateTime.fromISO(value, { zone: 'utc' })
    text = date.isValid ? date.setLocale('en-GB').toFormat(field.dateFormat) : value
    if (formattedDates.size > 10_000) formattedDates.clear()
    formattedDates.set(key, text)
  }
  return text
}

/** A job prints the same few dates thousands of times; luxon's parse and format cost more than the rest of a field. */
const formattedDates = new Map<string, string>()

const n = (value: number) => String(round3(value))

interface PlacedText {
  layout: TextLayout
  field: FieldSpec
}

export class PreparedTemplate {
  private constructor(
    private readonly snapshot: TemplateSnapshot,
    private readonly fonts: FontLibrary,
    private readonly usages: Map<string, FontUsage>,
    /** The prepared PDF: every certificate of this template starts with these bytes. */
    readonly baseBytes: Uint8Array,
    private readonly trailer: { size: number; root: string; info: string | null; prevXref: number },
    private readonly page: { objectNumber: number; dictWithContents: (extra: string) => string },
    /** Layouts computed while preparing, by field and text: rendering the same rows does not shape them again. */
    private readonly layouts: Map<FieldSpec, Map<string, TextLayout>>
  ) {}

  private readonly operators = new WeakMap<TextLayout, string>()

  private layout(field: FieldSpec, text: string) {
    let byText = this.layouts.get(field)
    if (!byText) {
      byText = new Map()
      this.layouts.set(field, byText)
    }
    let layout = byText.get(text)
    if (!layout) {
      layout = layoutFor(field, text, this.fonts)
      byText.set(text, layout)
    }
    return layout
  }

  /**
   * Prepare once for every row that will be rendered (a job's recipients,
   * or the one sample row of a preview): the font subsets cover exactly the
   * glyphs those rows need.
   */
  static async prepare(
    snapshot: TemplateSnapshot,
    rows: DataRow[],
    fonts: FontLibrary = fontLibrary()
  ) {
    const usages = new Map<string, FontUsage>()
    const layouts = new Map<FieldSpec, Map<string, TextLayout>>()
    const textFields = snapshot.fields.filter(
      (field) => field.type === 'text' || field.type === 'date'
    )
    for (const field of textFields) layouts.set(field, new Map())
    for (const row of rows) {
      for (const field of textFields) {
        const text = fieldText(field, row)
        if (!text) continue
        const byText = layouts.get(field)!
        let layout = byText.get(text)
        if (!layout) {
          layout = layoutFor(field, text, fonts)
          byText.set(text, layout)
        }
        for (const run of layout.runs) {
          let usage = usages.get(run.font.id)
          if (!usage) {
            usage = new FontUsage(run.font, `AX${usages.size + 1}`)
            usages.set(run.font.id, usage)
          }
          for (const glyph of run.glyphs) usage.add(glyph)
        }
      }
    }

    const doc = await PDFDocument.load(snapshot.sourcePdf, { updateMetadata: false })
    const pdfPage = doc.getPage(0)
    const context = doc.context

    // The page's own content runs inside q … Q, so whatever it leaves in the
    // graphics state, certificate content starts from the default one.
    const push = context.register(context.stream('q'))
    const pop = context.register(context.stream('Q'))
    const existing = pdfPage.node.Contents()
    const contents = PDFArray.withContext(context)
    contents.push(push)
    if (existing instanceof PDFArray)
      for (let i = 0; i < existing.size(); i++) contents.push(existing.get(i))
    else if (existing) contents.push(pdfPage.node.get(PDFName.of('Contents'))!)
    contents.push(pop)
    pdfPage.node.set(PDFName.of('Contents'), contents)

    // Static images (branding) belong to every certificate: drawn here, once.
    const imageOps: string[] = []
    let imageIndex = 0
    for (const field of snapshot.fields) {
      if (field.type !== 'image' || !field.assetId) continue
      const image = snapshot.images[field.assetId]
      if (!image) continue
      // A copy: pdf-lib's JPEG reader ignores the offset of a view into a larger buffer.
      const bytes = new Uint8Array(image.bytes)
      const embedded =
        image.mime === 'image/png' ? await doc.embedPng(bytes) : await doc.embedJpg(bytes)
      const name = `AXI${++imageIndex}`
      pdfPage.node.setXObject(PDFName.of(name), embedded.ref)
      const scale = Math.min(field.width / embedded.width, field.height / embedded.height)
      const w = embedded.width * scale
      const h = embedded.height * scale
      const left = field.x + (field.width - w) / 2
      const bottom = snapshot.pageHeight - field.y - (field.height + h) / 2
      imageOps.push(`q ${n(w)} 0 0 ${n(h)} ${n(left)} ${n(bottom)} cm /${name} Do Q`)
    }
    if (imageOps.length) contents.push(context.register(context.flateStream(imageOps.join('\n'))))

    for (const usage of usages.values()) {
      pdfPage.node.setFontDictionary(PDFName.of(usage.resourceName), embedFontUsage(doc, usage))
    }

    // pdf-lib gives every page an empty /Annots; certificates carry no annotations at all.
    pdfPage.node.delete(PDFName.of('Annots'))
    doc.setProducer('Authentix')
    doc.setCreator('Authentix')
    const baseBytes = await doc.save({
      useObjectStreams: false,
      addDefaultPage: false,
      objectsPerTick: Number.POSITIVE_INFINITY,
      updateFieldAppearances: false,
    })

    const pageRef = pdfPage.ref
    const dictWithContents = pageDictTemplate(pdfPage.node, contents)
    const root = context.trailerInfo.Root as PDFRef
    const info = context.trailerInfo.Info as PDFRef | undefined
    return new PreparedTemplate(
      snapshot,
      fonts,
      usages,
      baseBytes,
      {
        size: context.largestObjectNumber + 1,
        root: root.toString(),
        info: info ? info.toString() : null,
        prevXref: lastStartXref(baseBytes),
      },
      { objectNumber: pageRef.objectNumber, dictWithContents },
      layouts
    )
  }

  /** Sizes and overflow of each text field for a row (preflight: names too long for their box). */
  measure(row: DataRow): FieldMeasure[] {
    return this.snapshot.fields
      .filter((field) => field.type === 'text' || field.type === 'date')
      .map((field) => {
        const layout = this.layout(field, fieldText(field, row))
        return {
          key: field.key,
          fontSize: layout.fontSize,
          overflow: layout.overflow,
          missing: layout.missing,
        }
      })
  }

  /** The certificate PDF for one row. Throws GlyphsNotPreparedError for a row the template was not prepared for. */
  render(row: DataRow): Uint8Array {
    const part = this.renderPart(row)
    const out = new Uint8Array(this.baseBytes.length + part.length)
    out.set(this.baseBytes, 0)
    out.set(part, this.baseBytes.length)
    return out
  }

  /**
   * Only what one row adds to `baseBytes` (the incremental update): the
   * certificate is `baseBytes` followed by these bytes. Issuance stores the
   * base once per chunk and this part per certificate.
   */
  renderPart(row: DataRow): Uint8Array {
    const ops: string[] = []
    for (const field of this.snapshot.fields) {
      if (field.type === 'text' || field.type === 'date') {
        const text = fieldText(field, row)
        if (!text) continue
        // A course name or a date repeats across a chunk: its operators are built once per layout.
        const layout = this.layout(field, text)
        let built = this.operators.get(layout)
        if (built === undefined) {
          built = this.textOperators({ field, layout })
          this.operators.set(layout, built)
        }
        ops.push(built)
      } else if (field.type === 'qrcode') {
        const value = ownValue(row, field.key)
        if (value === null || value === undefined || String(value) === '') continue
        const side = Math.min(field.width, field.height)
        const left = field.x + (field.width - side) / 2
        const bottom = this.snapshot.pageHeight - field.y - (field.height + side) / 2
        ops.push(qrOperators(String(value), { left, bottom, side }, field.qrColor))
      }
    }
    return this.update(ops.join('\n'))
  }

  private textOperators({ field, layout }: PlacedText) {
    const size = layout.fontSize
    const primary = layout.primary
    const lineHeight = ((primary.ascender - primary.descender) / primary.upem) * size
    const baselineFromTop =
      field.y + (field.height - lineHeight) / 2 + (primary.ascender / primary.upem) * size
    const baseline = this.snapshot.pageHeight - baselineFromTop
    const startX =
      field.align === 'center'
        ? field.x + (field.width - layout.width) / 2
        : field.align === 'right'
          ? field.x + field.width - layout.width
          : field.x
    const [r, g, b] = rgbOf(field.color)

    const out: string[] = [
      'q',
      `${n(r)} ${n(g)} ${n(b)} rg`,
      `/Span <</ActualText <FEFF${utf16Hex(layout.text)}>>> BDC`,
      'BT',
    ]
    let penX = startX
    for (const run of layout.runs) {
      const usage = this.usages.get(run.font.id)
      if (!usage) throw new GlyphsNotPreparedError(field.key)
      const scale = size / run.font.upem
      out.push(`/${usage.resourceName} ${n(size)} Tf`, `1 0 0 1 ${n(penX)} ${n(baseline)} Tm`)
      // Positions in font units relative to the run's start; the cursor is
      // where the viewer puts the next glyph after the /W width of the last.
      let pen = 0
      let cursor = 0
      let rise = 0
      let items: string[] = []
      const flush = () => {
        if (items.length) out.push(`[${items.join('')}] TJ`)
        items = []
      }
      for (const glyph of run.glyphs) {
        const cid = usage.cidOf(glyph)
        if (cid === undefined) throw new GlyphsNotPreparedError(field.key)
        if (glyph.yOffset !== rise) {
          flush()
          rise = glyph.yOffset
          out.push(`${n(rise * scale)} Ts`)
        }
        const target = pen + glyph.xOffset
        const shift = target - cursor
        if (Math.abs(shift) > 0.01) items.push(` ${n((-shift * 1000) / run.font.upem)} `)
        items.push(`<${cid.toString(16).padStart(4, '0')}>`)
        cursor = target + (glyph.pdfWidth * run.font.upem) / 1000
        pen += glyph.xAdvance
      }
      flush()
      if (rise !== 0) out.push('0 Ts')
      penX += run.advance * scale
    }
    out.push('ET', 'EMC', 'Q')
    return out.join('\n')
  }

  /** One content stream object + the page redefined to draw it + xref + trailer, to follow the base bytes. */
  private update(content: string): Uint8Array {
    const stream = deflateSync(Buffer.from(content, 'latin1'), { level: 1 })
    const contentNumber = this.trailer.size
    const base = this.baseBytes.length
    const head = Buffer.from(
      `\n${contentNumber} 0 obj\n<< /Length ${stream.length} /Filter /FlateDecode >>\nstream\n`,
      'latin1'
    )
    const contentOffset = base + 1
    const pageOffset = base + head.length + stream.length + '\nendstream\nendobj\n'.length
    const pageObject = `${this.page.objectNumber} 0 obj\n${this.page.dictWithContents(`${contentNumber} 0 R`)}\nendobj\n`
    const xrefOffset = pageOffset + Buffer.byteLength(pageObject, 'latin1')
    const entry = (offset: number) => `${String(offset).padStart(10, '0')} 00000 n \n`
    const sections = [
      [this.page.objectNumber, pageOffset],
      [contentNumber, contentOffset],
    ].sort((a, b) => a[0] - b[0])
    const xref = [
      'xref\n',
      ...sections.map(([number, offset]) => `${number} 1\n${entry(offset)}`),
    ].join('')
    const trailer =
      `trailer\n<< /Size ${contentNumber + 1} /Root ${this.trailer.root}${this.trailer.info ? ` /Info ${this.trailer.info}` : ''} /Prev ${this.trailer.prevXref} >>\n` +
      `startxref\n${xrefOffset}\n%%EOF\n`
    const tail = Buffer.from(`\nendstream\nendobj\n${pageObject}${xref}${trailer}`, 'latin1')
    const out = new Uint8Array(head.length + stream.length + tail.length)
    out.set(head, 0)
    out.set(stream, head.length)
    out.set(tail, head.length + stream.length)
    return out
  }
}

/** Sizes and overflow of each text field for a row, without preparing a document (preflight over a whole list). */
export function measureRow(
  fields: FieldSpec[],
  row: DataRow,
  fonts: FontLibrary = fontLibrary()
): FieldMeasure[] {
  return fields
    .filter((field) => field.type === 'text' || field.type === 'date')
    .map((field) => {
      const layout = layoutFor(field, fieldText(field, row), fonts)
      return {
        key: field.key,
        fontSize: layout.fontSize,
        overflow: layout.overflow,
        missing: layout.missing,
      }
    })
}

function layoutFor(field: FieldSpec, text: string, fonts: FontLibrary) {
  return layoutText(
    text,
    {
      fontFamily: field.fontFamily,
      bold: field.bold,
      fontSize: field.fontSize,
      minFontSize: Math.min(field.minFontSize, field.fontSize),
      autoFit: field.autoFit,
      maxWidth: field.width,
    },
    fonts
  )
}

/** The page dictionary as text, with `/Contents [<base streams> <extra>]`. */
function pageDictTemplate(node: PDFDict, contents: PDFArray) {
  const placeholder = '__AUTHENTIX_CONTENT__'
  const copy = node.clone()
  const refs: string[] = []
  for (let i = 0; i < contents.size(); i++) refs.push(contents.get(i).toString())
  copy.set(PDFName.of('Contents'), PDFName.of(placeholder))
  const text = copy.toString()
  return (extra: string) => text.replace(`/${placeholder}`, `[${refs.join(' ')} ${extra}]`)
}

/** The byte offset after the last `startxref` of a PDF. */
function lastStartXref(bytes: Uint8Array) {
  const tail = Buffer.from(bytes.subarray(Math.max(0, bytes.length - 1024))).toString('latin1')
  const match = /startxref\s+(\d+)\s+%%EOF\s*$/.exec(tail)
  if (!match) throw new Error('prepared PDF has no startxref')
  return Number(match[1])
}
