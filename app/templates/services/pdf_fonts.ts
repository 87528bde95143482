import { createHash } from 'node:crypto'
import fontkit from '@pdf-lib/fontkit'
import { type PDFDocument, type PDFRef, PDFString } from 'pdf-lib'
import type { LoadedFont } from '#templates/services/fonts'
import type { ShapedGlyph } from '#templates/services/text_layout'

/**
 * Embeds a bundled TrueType font into a PDF as a subset (Type0 font,
 * CIDFontType2, Identity-H). Codes (CIDs) are handed out per distinct
 * (glyph, text) pair, so the ToUnicode map can give each glyph the text it
 * stands for in its context: the same vowel-sign glyph can start a cluster
 * once and be part of one elsewhere. `CIDToGIDMap` then maps codes to the
 * subset's glyphs.
 */

type FontkitFont = ReturnType<typeof fontkit.create>

const parsed = new WeakMap<LoadedFont, FontkitFont>()

function fontkitFont(font: LoadedFont): FontkitFont {
  let value = parsed.get(font)
  if (!value) {
    value = fontkit.create(font.bytes as any) as FontkitFont
    parsed.set(font, value)
  }
  return value
}

/**
 * fontkit's `encodeStream()` waits on a `setTimeout(0)` shim twice per font;
 * `encode()` into a stream whose `push` collects the chunks is the same work
 * without the waits (byte-identical output).
 */
let EncodeStream: (new () => any) | null = null

function encodeSubset(subset: any): Uint8Array {
  if (!EncodeStream) {
    const probe = Object.getPrototypeOf(subset).encodeStream.call({ encode() {} })
    EncodeStream = probe.constructor
  }
  const stream = new EncodeStream!()
  const chunks: Uint8Array[] = []
  stream.push = (chunk: Uint8Array | null) => {
    if (chunk) chunks.push(new Uint8Array(chunk))
    return true
  }
  subset.encode(stream)
  stream.flush()
  return Buffer.concat(chunks)
}

/**
 * fontkit writes a short `loca` table (offsets / 2) for small subsets but
 * copies glyph records unpadded, so a glyph of odd length shifts every glyph
 * after it (found with Noto Sans: ligatures and letters came out empty or
 * unreadable). Padding each record to four bytes, as the TrueType spec
 * recommends, keeps every offset even.
 */
const padded = new WeakSet<object>()

function padGlyphRecords(subset: any) {
  const proto = Object.getPrototypeOf(subset)
  if (padded.has(proto) || typeof proto._addGlyph !== 'function') return
  const addGlyph = proto._addGlyph
  proto._addGlyph = function (this: any, gid: number) {
    const index = addGlyph.call(this, gid)
    const record = this.glyf[index]
    const extra = (4 - (record.length % 4)) % 4
    if (extra) {
      const copy = new Uint8Array(record.length + extra)
      copy.set(record)
      this.glyf[index] = copy
      this.offset += extra
    }
    return index
  }
  padded.add(proto)
}

export interface CodedGlyph {
  cid: number
  glyphId: number
  text: string
  /** `/W` width, 1000 per em. */
  width: number
}

type GlyphKey = Pick<ShapedGlyph, 'glyphId' | 'text' | 'pdfWidth'>

const keyOf = (glyph: GlyphKey) => `${glyph.glyphId}\u0000${glyph.pdfWidth}\u0000${glyph.text}`

/** The codes one font uses in one prepared document. */
export class FontUsage {
  private readonly codes = new Map<string, number>()
  /** The code of each glyph object seen (a layout's glyphs are added, then drawn): no key to build on the way back. */
  private readonly byGlyph = new WeakMap<GlyphKey, number>()
  readonly glyphs: CodedGlyph[] = []

  constructor(
    readonly font: LoadedFont,
    /** Resource name on the page, e.g. `F1`. */
    readonly resourceName: string
  ) {}

  add(glyph: GlyphKey) {
    if (this.byGlyph.has(glyph)) return
    const key = keyOf(glyph)
    let cid = this.codes.get(key)
    if (cid === undefined) {
      // CID 0 stays .notdef.
      cid = this.glyphs.length + 1
      this.codes.set(key, cid)
      this.glyphs.push({ cid, glyphId: glyph.glyphId, text: glyph.text, width: glyph.pdfWidth })
    }
    this.byGlyph.set(glyph, cid)
  }

  /** The code of a glyph, or undefined when the prepared document does not contain it. */
  cidOf(glyph: GlyphKey) {
    return this.byGlyph.get(glyph) ?? this.codes.get(keyOf(glyph))
  }
}

export function round3(value: number) {
  return Math.round(value * 1000) / 1000
}

function hex4(value: number) {
  return value.toString(16).padStart(4, '0').toUpperCase()
}

/** UTF-16BE hex of a string, as ToUnicode and ActualText want it. */
export function utf16Hex(text: string) {
  let out = ''
  for (let i = 0; i < text.length; i++) out += hex4(text.charCodeAt(i))
  return out
}

function toUnicodeCMap(glyphs: CodedGlyph[]) {
  const lines: string[] = []
  for (let i = 0; i < glyphs.length; i += 100) {
    const chunk = glyphs.slice(i, i + 100)
    lines.push(`${chunk.length} beginbfchar`)
    for (const glyph of chunk) lines.push(`<${hex4(glyph.cid)}> <${utf16Hex(glyph.text)}>`)
    lines.push('endbfchar')
  }
  return [
    '/CIDInit /ProcSet findresource begin',
    '12 dict begin',
    'begincmap',
    '/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def',
    '/CMapName /Adobe-Identity-UCS def',
    '/CMapType 2 def',
    '1 begincodespacerange',
    '<0000> <FFFF>',
    'endcodespacerange',
    ...lines,
    'endcmap',
    'CMapName currentdict /CMap defineresource pop',
    'end',
    'end',
  ].join('\n')
}

/** Six capital letters from the glyph set, so the same subset always gets the same name. */
function subsetTag(usage: FontUsage) {
  const digest = createHash('sha256')
    .update(usage.font.id)
    .update(JSON.stringify(usage.glyphs))
    .digest()
  return [...digest.subarray(0, 6)].map((byte) => String.fromCharCode(65 + (byte % 26))).join('')
}

/** Adds the font objects to `doc` and returns the Type0 font's reference. */
export function embedFontUsage(doc: PDFDocument, usage: FontUsage): PDFRef {
  const font = fontkitFont(usage.font)
  const subset = font.createSubset() as any
  padGlyphRecords(subset)
  const subsetIds = new Map<number, number>()
  for (const glyph of usage.glyphs) subsetIds.set(glyph.glyphId, subset.includeGlyph(glyph.glyphId))
  const fontFile = encodeSubset(subset)

  const scale = 1000 / font.unitsPerEm
  const context = doc.context
  const fontFileRef = context.register(context.flateStream(fontFile, { Length1: fontFile.length }))
  const name = `${subsetTag(usage)}+${usage.font.postscriptName}`
  const bbox = font.bbox
  const descriptorRef = context.register(
    context.obj({
      Type: 'FontDescriptor',
      FontName: name,
      Flags: 4,
      FontBBox: [bbox.minX * scale, bbox.minY * scale, bbox.maxX * scale, bbox.maxY * scale].map(
        Math.round
      ),
      ItalicAngle: font.italicAngle,
      Ascent: Math.round(font.ascent * scale),
      Descent: Math.round(font.descent * scale),
      CapHeight: Math.round((font.capHeight || font.ascent) * scale),
      StemV: 80,
      FontFile2: fontFileRef,
    })
  )

  const maxCid = usage.glyphs.length
  const cidToGid = new Uint8Array((maxCid + 1) * 2)
  for (const glyph of usage.glyphs) {
    const gid = subsetIds.get(glyph.glyphId)!
    cidToGid[glyph.cid * 2] = gid >> 8
    cidToGid[glyph.cid * 2 + 1] = gid & 0xff
  }
  const cidToGidRef = context.register(context.flateStream(cidToGid))

  // /W [ first [w1 w2 …] ]: codes are consecutive from 1.
  const widths = usage.glyphs.map((glyph) => glyph.width)
  const cidFontRef = context.register(
    context.obj({
      Type: 'Font',
      Subtype: 'CIDFontType2',
      BaseFont: name,
      CIDSystemInfo: {
        Registry: PDFString.of('Adobe'),
        Ordering: PDFString.of('Identity'),
        Supplement: 0,
      },
      FontDescriptor: descriptorRef,
      DW: 1000,
      W: maxCid > 0 ? [1, widths] : [],
      CIDToGIDMap: cidToGidRef,
    })
  )
  const toUnicodeRef = context.register(context.flateStream(toUnicodeCMap(usage.glyphs)))
  return context.register(
    context.obj({
      Type: 'Font',
      Subtype: 'Type0',
      BaseFont: name,
      Encoding: 'Identity-H',
      DescendantFonts: [cidFontRef],
      ToUnicode: toUnicodeRef,
    })
  )
}
