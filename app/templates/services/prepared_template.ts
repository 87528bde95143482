import { deflateSync } from 'node:zlib'
import { DateTime } from 'luxon'
import {
  PDFArray,
  PDFDict,
  PDFDocument,
  PDFName,
  PDFRef,
  PDFStream,
  type PDFContext,
  type PDFObject,
} from 'pdf-lib'
import { type FieldSpec, rgbOf } from '#templates/services/field_spec'
import { type FontLibrary, fontLibrary } from '#templates/services/fonts'
import {
  FontUsage,
  type PdfObject,
  certificateFont,
  round3,
  utf16Hex,
} from '#templates/services/pdf_fonts'
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
 * The update also carries what makes the file a document of its own:
 * its Info and XMP metadata (title, issuer, number, the verification link,
 * so a copy re-saved by another tool still names where it can be checked),
 * its language, and a structure tree (tagged PDF): the template's own
 * drawing is an artifact, each field a structure element, so a screen
 * reader reads the name and the course and describes the QR code.
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

/** What a certificate says about itself in its Info dictionary and XMP metadata. */
export interface DocumentInfo {
  /** "<course> — <recipient>" */
  title: string
  /** The issuing organization. */
  author: string
  subject: string
  /** The certificate number. */
  keywords: string
  createdAt: Date
  /** The verification URL (XMP `dc:identifier`; also named in the subject). */
  identifier: string
  /** BCP 47 language of the document's text, e.g. `en-IN`. */
  lang: string
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
    private readonly trailer: {
      size: number
      root: string
      infoNumber: number | null
      prevXref: number
    },
    private readonly page: {
      objectNumber: number
      dictWithContents: (extra: string, fonts: string) => string
    },
    private readonly catalog: { objectNumber: number; dictWith: (extra: string) => string },
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
    // In the tagged certificate it is an artifact: decoration, not text a screen reader should read.
    const push = context.register(context.stream('/Artifact BMC\nq'))
    const pop = context.register(context.stream('Q\nEMC'))
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
    if (imageOps.length) {
      const artifact = ['/Artifact BMC', ...imageOps, 'EMC'].join('\n')
      contents.push(context.register(context.flateStream(artifact)))
    }

    // Fonts are not in the base: each certificate embeds its own subsets (see `update`).

    // pdf-lib gives every page an empty /Annots; certificates carry no annotations at all.
    pdfPage.node.delete(PDFName.of('Annots'))
    // The certificate's structure tree (in its own update) finds the page's elements under key 0.
    pdfPage.node.set(PDFName.of('StructParents'), context.obj(0))
    doc.setProducer('Authentix')
    doc.setCreator('Authentix')
    dropUnreachableObjects(context)
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
    const catalogTemplate = dictTemplate(doc.catalog, [
      'Metadata',
      'StructTreeRoot',
      'MarkInfo',
      'Lang',
    ])
    return new PreparedTemplate(
      snapshot,
      fonts,
      usages,
      baseBytes,
      {
        size: context.largestObjectNumber + 1,
        root: root.toString(),
        infoNumber: info ? info.objectNumber : null,
        prevXref: lastStartXref(baseBytes),
      },
      { objectNumber: pageRef.objectNumber, dictWithContents },
      { objectNumber: root.objectNumber, dictWith: catalogTemplate },
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
  render(row: DataRow, info?: DocumentInfo): Uint8Array {
    const part = this.renderPart(row, info)
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
  renderPart(row: DataRow, info?: DocumentInfo): Uint8Array {
    const ops: string[] = []
    const elements: StructureElement[] = []
    const codes = new Map<FontUsage, Set<number>>()
    this.snapshot.fields.forEach((field, mcid) => {
      if (field.type === 'text' || field.type === 'date') {
        const text = fieldText(field, row)
        if (!text) return
        // A course name or a date repeats across a chunk: its operators are built once per layout.
        const layout = this.layout(field, text)
        let built = this.operators.get(layout)
        if (built === undefined) {
          built = this.textOperators({ field, layout }, mcid)
          this.operators.set(layout, built)
        }
        ops.push(built)
        for (const [usage, cids] of this.codesOf(layout)) {
          let set = codes.get(usage)
          if (!set) {
            set = new Set()
            codes.set(usage, set)
          }
          for (const cid of cids) set.add(cid)
        }
        // Marked content carries the text in drawing order (see textOperators); where that differs
        // (right-to-left text), the element gives readers the text in reading order.
        const actualText = layout.drawnText === layout.text ? null : layout.text
        elements.push({ mcid, role: 'P', alt: null, actualText, box: null })
      } else if (field.type === 'qrcode') {
        const value = ownValue(row, field.key)
        if (value === null || value === undefined || String(value) === '') return
        const side = Math.min(field.width, field.height)
        const left = field.x + (field.width - side) / 2
        const bottom = this.snapshot.pageHeight - field.y - (field.height + side) / 2
        ops.push(
          `/Figure <</MCID ${mcid}>> BDC`,
          qrOperators(String(value), { left, bottom, side }, field.qrColor),
          'EMC'
        )
        elements.push({
          mcid,
          role: 'Figure',
          alt: `QR code: ${String(value)}`,
          actualText: null,
          box: [left, bottom, left + side, bottom + side],
        })
      }
    })
    return this.update(ops.join('\n'), elements, codes, info)
  }

  private readonly layoutCodes = new WeakMap<TextLayout, Array<[FontUsage, number[]]>>()

  /** The codes a layout draws, per font (kept: a course name's are the same on every certificate). */
  private codesOf(layout: TextLayout) {
    let known = this.layoutCodes.get(layout)
    if (!known) {
      const byUsage = new Map<FontUsage, number[]>()
      for (const run of layout.runs) {
        const usage = this.usages.get(run.font.id)
        if (!usage) continue
        let list = byUsage.get(usage)
        if (!list) {
          list = []
          byUsage.set(usage, list)
        }
        for (const glyph of run.glyphs) {
          const cid = usage.cidOf(glyph)
          if (cid !== undefined) list.push(cid)
        }
      }
      known = [...byUsage]
      this.layoutCodes.set(layout, known)
    }
    return known
  }

  private textOperators({ field, layout }: PlacedText, mcid: number) {
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
      // Tagged /Span, whatever its structure element's role: poppler (pdftotext, and the viewers
      // built on it) reads ActualText only from a Span, and without it some scripts' names come
      // out with their vowel signs out of order. Poppler lays the ActualText out left to right
      // across the span and then reverses right-to-left letters as it does for any drawn text,
      // so the text goes in drawing order (Urdu's last letter first), as the glyphs are drawn;
      // the structure element holds it in reading order for screen readers.
      `/Span <</MCID ${mcid} /ActualText ${pdfText(layout.drawnText)}>> BDC`,
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

  /**
   * The incremental update that follows the base bytes: the content stream,
   * the structure tree, the Info and XMP metadata, the page and catalog
   * redefined to point at them, an xref and a trailer.
   */
  private update(
    content: string,
    elements: StructureElement[],
    codes: Map<FontUsage, Set<number>>,
    info?: DocumentInfo
  ): Uint8Array {
    const first = this.trailer.size
    const page = this.page.objectNumber
    const ref = (number: number) => `${number} 0 R`
    const objects: UpdateObject[] = []
    const contentNumber = first
    const treeNumber = first + 1
    const documentNumber = first + 2
    const parentTreeNumber = first + 3
    let next = first + 4

    objects.push({
      number: contentNumber,
      dict: '/Filter /FlateDecode',
      stream: deflateSync(Buffer.from(content, 'latin1'), { level: 1 }),
    })
    const byMcid: string[] = []
    const kids: string[] = []
    for (const element of elements) {
      const number = next++
      kids.push(ref(number))
      byMcid[element.mcid] = ref(number)
      let dict = `/Type /StructElem /S /${element.role} /P ${ref(documentNumber)} /Pg ${ref(page)} /K ${element.mcid}`
      if (element.alt !== null) dict += ` /Alt ${pdfText(element.alt)}`
      if (element.actualText !== null) dict += ` /ActualText ${pdfText(element.actualText)}`
      if (element.box) dict += ` /A << /O /Layout /BBox [${element.box.map(n).join(' ')}] >>`
      objects.push({ number, dict })
    }
    objects.push(
      {
        number: treeNumber,
        dict: `/Type /StructTreeRoot /K ${ref(documentNumber)} /ParentTree ${ref(parentTreeNumber)} /ParentTreeNextKey 1`,
      },
      {
        number: documentNumber,
        dict: `/Type /StructElem /S /Document /P ${ref(treeNumber)} /K [${kids.join(' ')}]`,
      },
      {
        number: parentTreeNumber,
        dict: `/Nums [0 [${Array.from(byMcid, (entry) => entry ?? 'null').join(' ')}]]`,
      }
    )

    let catalogExtra = `/MarkInfo << /Marked true >> /StructTreeRoot ${ref(treeNumber)}`
    // The base's Info (Producer, Creator) is redefined, not left behind unreferenced.
    const infoNumber = info ? (this.trailer.infoNumber ?? next++) : this.trailer.infoNumber
    if (info && infoNumber !== null) {
      const metadataNumber = next++
      objects.push(
        {
          number: infoNumber,
          dict: [
            `/Title ${pdfText(info.title)}`,
            `/Author ${pdfText(info.author)}`,
            `/Subject ${pdfText(info.subject)}`,
            `/Keywords ${pdfText(info.keywords)}`,
            `/Creator (Authentix) /Producer (Authentix)`,
            `/CreationDate (${pdfDate(info.createdAt)}) /ModDate (${pdfDate(info.createdAt)})`,
          ].join(' '),
        },
        {
          number: metadataNumber,
          dict: '/Type /Metadata /Subtype /XML',
          stream: Buffer.from(xmpPacket(info), 'utf8'),
        }
      )
      catalogExtra += ` /Lang ${pdfText(info.lang)} /Metadata ${ref(metadataNumber)}`
    }
    // This certificate's own font subsets: only the glyphs it draws.
    const fontEntries: string[] = []
    for (const usage of this.usages.values()) {
      const used = codes.get(usage)
      if (!used || used.size === 0) continue
      const embedded = certificateFont(
        usage,
        [...used].sort((a, b) => a - b),
        () => next++
      )
      objects.push(...embedded.objects)
      fontEntries.push(`/${usage.resourceName} ${ref(embedded.font)}`)
    }
    objects.push(
      { number: page, dict: this.page.dictWithContents(ref(contentNumber), fontEntries.join(' ')) },
      { number: this.catalog.objectNumber, dict: this.catalog.dictWith(catalogExtra) }
    )

    // The update is text (latin1: one byte a character) around the streams' bytes: written as
    // strings and buffers into one allocation, offsets counted as they go.
    const pieces: Array<string | Buffer> = []
    const offsets = new Map<number, number>()
    let at = this.baseBytes.length
    let text = '\n'
    const flushText = () => {
      if (text) pieces.push(text)
      text = ''
    }
    at += 1
    for (const object of objects) {
      offsets.set(object.number, at)
      let head: string
      if (object.stream) {
        head = `${object.number} 0 obj\n<< /Length ${object.stream.length} ${object.dict} >>\nstream\n`
        text += head
        flushText()
        pieces.push(object.stream)
        text = '\nendstream\nendobj\n'
        at += head.length + object.stream.length + text.length
      } else {
        head = `${object.number} 0 obj\n<< ${object.dict} >>\nendobj\n`
        text += head
        at += head.length
      }
    }
    const xrefOffset = at
    const numbers = [...offsets.keys()].sort((a, b) => a - b)
    let xref = 'xref\n'
    for (let i = 0; i < numbers.length;) {
      let j = i
      while (j + 1 < numbers.length && numbers[j + 1] === numbers[j] + 1) j++
      xref += `${numbers[i]} ${j - i + 1}\n`
      for (let k = i; k <= j; k++)
        xref += `${String(offsets.get(numbers[k])).padStart(10, '0')} 00000 n \n`
      i = j + 1
    }
    const size = Math.max(next, this.trailer.size)
    const infoRef = infoNumber === null ? '' : ` /Info ${ref(infoNumber)}`
    text +=
      `${xref}trailer\n<< /Size ${size} /Root ${this.trailer.root}${infoRef} /Prev ${this.trailer.prevXref} >>\n` +
      `startxref\n${xrefOffset}\n%%EOF\n`
    flushText()
    let length = 0
    for (const piece of pieces) length += piece.length
    const out = Buffer.allocUnsafe(length)
    let offset = 0
    for (const piece of pieces) {
      if (typeof piece === 'string') offset += out.write(piece, offset, 'latin1')
      else offset += piece.copy(out, offset)
    }
    return out
  }
}

/** A field's structure element: its marked content on the page and what it is. */
interface StructureElement {
  mcid: number
  role: 'P' | 'Figure'
  alt: string | null
  /** The text in reading order when the marked content's differs from it. */
  actualText: string | null
  /** A figure's bounding box on the page (tagged PDF asks for one). */
  box: [number, number, number, number] | null
}

/** An object of the incremental update: its dictionary, and its stream's bytes when it is one. */
type UpdateObject = PdfObject

/** A text string for a PDF dictionary: printable ASCII as a literal, anything else UTF-16BE, so any script survives. */
function pdfText(text: string) {
  if (/^[\x20-\x7e]*$/.test(text)) return `(${text.replace(/[\\()]/g, '\\$&')})`
  return `<FEFF${utf16Hex(text)}>`
}

let lastDate: { time: number; text: string } | null = null

/** `D:YYYYMMDDHHmmSSZ`, the PDF date format, in UTC (a chunk's certificates share one moment: kept). */
function pdfDate(date: Date) {
  const time = date.getTime()
  if (lastDate?.time !== time)
    lastDate = { time, text: `D:${date.toISOString().slice(0, 19).replace(/[-:T]/g, '')}Z` }
  return lastDate.text
}

const XML_SPECIAL = /[&<>"]/g
const XML_ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
}
const xml = (text: string) => text.replace(XML_SPECIAL, (char) => XML_ENTITIES[char])

/** The XMP packet: the Info dictionary's facts in the form archives and search tools read. */
function xmpPacket(info: DocumentInfo) {
  const created = info.createdAt.toISOString().replace(/\.\d{3}Z$/, 'Z')
  return [
    '<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?>',
    '<x:xmpmeta xmlns:x="adobe:ns:meta/">',
    '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">',
    '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:pdf="http://ns.adobe.com/pdf/1.3/">',
    '<dc:format>application/pdf</dc:format>',
    `<dc:title><rdf:Alt><rdf:li xml:lang="x-default">${xml(info.title)}</rdf:li></rdf:Alt></dc:title>`,
    `<dc:creator><rdf:Seq><rdf:li>${xml(info.author)}</rdf:li></rdf:Seq></dc:creator>`,
    `<dc:description><rdf:Alt><rdf:li xml:lang="x-default">${xml(info.subject)}</rdf:li></rdf:Alt></dc:description>`,
    `<dc:identifier>${xml(info.identifier)}</dc:identifier>`,
    `<dc:language><rdf:Bag><rdf:li>${xml(info.lang)}</rdf:li></rdf:Bag></dc:language>`,
    `<pdf:Keywords>${xml(info.keywords)}</pdf:Keywords>`,
    '<pdf:Producer>Authentix</pdf:Producer>',
    '<xmp:CreatorTool>Authentix</xmp:CreatorTool>',
    `<xmp:CreateDate>${created}</xmp:CreateDate>`,
    `<xmp:ModifyDate>${created}</xmp:ModifyDate>`,
    `<xmp:MetadataDate>${created}</xmp:MetadataDate>`,
    '</rdf:Description>',
    '</rdf:RDF>',
    '</x:xmpmeta>',
    '<?xpacket end="r"?>',
  ].join('\n')
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

/**
 * The page dictionary's entries as text, cut once where each certificate's
 * own values go: its content stream after the base's (`/Contents [... n 0 R]`)
 * and its fonts among the page's own (`/Resources << /Font << ... >> >>`).
 * Built on a copy: the base page itself is saved without them.
 */
function pageDictTemplate(node: PDFDict, contents: PDFArray) {
  const CONTENTS = 'AuthentixCertificateContents'
  const FONTS = 'AuthentixCertificateFonts'
  const refs: string[] = []
  for (let i = 0; i < contents.size(); i++) refs.push(contents.get(i).toString())
  const copy = node.clone()
  copy.set(PDFName.of('Contents'), PDFName.of(CONTENTS))
  const resources =
    (node.lookup(PDFName.of('Resources')) as PDFDict | undefined)?.clone() ?? node.context.obj({})
  const fonts =
    (resources.lookup(PDFName.of('Font')) as PDFDict | undefined)?.clone() ?? node.context.obj({})
  fonts.set(PDFName.of(FONTS), PDFName.of(FONTS))
  resources.set(PDFName.of('Font'), fonts)
  copy.set(PDFName.of('Resources'), resources)
  const text = copy
    .toString()
    .replace(/^<<\s*/, '')
    .replace(/\s*>>$/, '')
  // The two slots, in the order the text has them: `/Contents /<name>` and `/<name> /<name>`.
  const slots = [
    { at: text.indexOf(`/${CONTENTS}`), length: CONTENTS.length + 1, kind: 'contents' as const },
    {
      at: text.indexOf(`/${FONTS} /${FONTS}`),
      length: 2 * FONTS.length + 3,
      kind: 'fonts' as const,
    },
  ].sort((a, b) => a.at - b.at)
  const pieces = [
    text.slice(0, slots[0].at),
    text.slice(slots[0].at + slots[0].length, slots[1].at),
    text.slice(slots[1].at + slots[1].length),
  ]
  const contentsHead = `[${refs.join(' ')} `
  return (extra: string, fontEntries: string) => {
    const value = (kind: 'contents' | 'fonts') =>
      kind === 'contents' ? `${contentsHead}${extra}]` : fontEntries
    return `${pieces[0]}${value(slots[0].kind)}${pieces[1]}${value(slots[1].kind)}${pieces[2]}`
  }
}

/**
 * A dictionary as text without its outer `<< >>`, minus `drop`, with room for
 * entries the update adds: `dictWith('/Key value …')`.
 */
function dictTemplate(node: PDFDict, drop: string[]) {
  const copy = node.clone()
  for (const key of drop) copy.delete(PDFName.of(key))
  const text = copy
    .toString()
    .replace(/^<<\s*/, '')
    .replace(/\s*>>$/, '')
  return (extra: string) => `${text}\n${extra}`
}

/**
 * Deletes every object nothing reaches from the catalog or the Info
 * dictionary: pdf-lib keeps what a copied or embedded page left behind (the
 * source page's own content streams), which no certificate should carry.
 */
function dropUnreachableObjects(context: PDFContext) {
  const reached = new Set<PDFRef>()
  const pending: PDFObject[] = [context.trailerInfo.Root, context.trailerInfo.Info].filter(
    (entry): entry is PDFObject => entry !== undefined
  )
  while (pending.length) {
    const object = pending.pop()!
    if (object instanceof PDFRef) {
      if (reached.has(object)) continue
      reached.add(object)
      const target = context.lookup(object)
      if (target) pending.push(target)
    } else if (object instanceof PDFStream) {
      pending.push(object.dict)
    } else if (object instanceof PDFDict) {
      for (const [, value] of object.entries()) pending.push(value)
    } else if (object instanceof PDFArray) {
      for (let i = 0; i < object.size(); i++) pending.push(object.get(i))
    }
  }
  for (const [ref] of context.enumerateIndirectObjects()) {
    if (!reached.has(ref)) context.delete(ref)
  }
}

/** The byte offset after the last `startxref` of a PDF. */
function lastStartXref(bytes: Uint8Array) {
  const tail = Buffer.from(bytes.subarray(Math.max(0, bytes.length - 1024))).toString('latin1')
  const match = /startxref\s+(\d+)\s+%%EOF\s*$/.exec(tail)
  if (!match) throw new Error('prepared PDF has no startxref')
  return Number(match[1])
}
