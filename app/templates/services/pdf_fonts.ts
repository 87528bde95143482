import { createHash } from 'node:crypto'
import { deflateSync } from 'node:zlib'
import type { LoadedFont } from '#templates/services/fonts'
import type { ShapedGlyph } from '#templates/services/text_layout'
import { TrueTypeSource } from '#templates/services/truetype_subset'

/**
 * Embeds a bundled TrueType font into one certificate as a subset (Type0
 * font, CIDFontType2, Identity-H) holding only the glyphs that certificate
 * draws. Codes (CIDs) are handed out per prepared document and per distinct
 * (glyph, text) pair (`FontUsage`), so the ToUnicode map can give each glyph
 * the text it stands for in its context (the same vowel-sign glyph can start
 * a cluster once and be part of one elsewhere), and a course name's drawing
 * is built once for a whole chunk. Each certificate's font then maps the
 * codes it uses, and only those, to its own subset's glyphs (`CIDToGIDMap`),
 * with their widths and text: nothing of another recipient's name is in it.
 */

const sources = new WeakMap<LoadedFont, TrueTypeSource>()

function sourceOf(font: LoadedFont): TrueTypeSource {
  let source = sources.get(font)
  if (!source) {
    source = new TrueTypeSource(font.bytes)
    sources.set(font, source)
  }
  return source
}

/** An indirect object of a certificate's update: its dictionary's entries, and its stream when it is one. */
export interface PdfObject {
  number: number
  dict: string
  stream?: Buffer
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

/** Two hex digits of each byte value: ToUnicode maps and Info strings are written per certificate. */
const HEX_BYTES = Array.from({ length: 256 }, (_, byte) =>
  byte.toString(16).padStart(2, '0').toUpperCase()
)

function hex4(value: number) {
  return HEX_BYTES[(value >> 8) & 0xff] + HEX_BYTES[value & 0xff]
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
function subsetTag(font: LoadedFont, glyphs: CodedGlyph[]) {
  const hash = createHash('sha256').update(font.id)
  for (const glyph of glyphs) hash.update(`${glyph.cid}:${glyph.glyphId}:${glyph.text}\u0000`)
  const digest = hash.digest()
  return [...digest.subarray(0, 6)].map((byte) => String.fromCharCode(65 + (byte % 26))).join('')
}

const n = (value: number) => String(Math.round(value))

/**
 * The objects of one certificate's subset of `usage`'s font, for the codes
 * in `cids` (ascending): font file, descriptor, CIDFont, code-to-glyph map,
 * ToUnicode and the Type0 font, numbered by `allocate`. Returns them and the
 * Type0 font's object number (the page's font resource).
 */
export function certificateFont(
  usage: FontUsage,
  cids: number[],
  allocate: () => number
): { objects: PdfObject[]; font: number } {
  const built = builtFont(usage, cids)
  const fontFileNumber = allocate()
  const descriptorNumber = allocate()
  const cidFontNumber = allocate()
  const mapNumber = allocate()
  const toUnicodeNumber = allocate()
  const fontNumber = allocate()
  const objects: PdfObject[] = [
    {
      number: fontFileNumber,
      dict: `${built.compressed ? '/Filter /FlateDecode ' : ''}/Length1 ${built.fontFileLength}`,
      stream: built.fontFile,
    },
    {
      number: descriptorNumber,
      dict: `${built.descriptor} /FontFile2 ${fontFileNumber} 0 R`,
    },
    {
      number: cidFontNumber,
      dict: `${built.cidFont} /FontDescriptor ${descriptorNumber} 0 R /CIDToGIDMap ${mapNumber} 0 R`,
    },
    { number: mapNumber, dict: '', stream: built.cidToGid },
    { number: toUnicodeNumber, dict: '', stream: built.toUnicode },
    {
      number: fontNumber,
      dict: `/Type /Font /Subtype /Type0 /BaseFont /${built.name} /Encoding /Identity-H /DescendantFonts [${cidFontNumber} 0 R] /ToUnicode ${toUnicodeNumber} 0 R`,
    },
  ]
  return { objects, font: fontNumber }
}

interface BuiltFont {
  name: string
  fontFile: Buffer
  compressed: boolean
  fontFileLength: number
  descriptor: string
  cidFont: string
  cidToGid: Buffer
  toUnicode: Buffer
}

/**
 * A subset's bytes and dictionaries, kept per code set: certificates that
 * draw the same glyphs in a font (the course, the date, a number's digits)
 * share them, so most certificates build only their name's subset. What is
 * kept depends on nothing but the codes, so sharing reveals nothing.
 */
const builtFonts = new WeakMap<FontUsage, Map<string, BuiltFont>>()
const BUILT_FONTS_KEPT = 256
/** Font files bigger than this are compressed (see `builtFont`). */
const COMPRESS_FONTS_OVER = 8 * 1024

function builtFont(usage: FontUsage, cids: number[]): BuiltFont {
  let kept = builtFonts.get(usage)
  if (!kept) {
    kept = new Map()
    builtFonts.set(usage, kept)
  }
  const key = cids.join(',')
  let built = kept.get(key)
  if (built) {
    // Least recently used out first.
    kept.delete(key)
    kept.set(key, built)
    return built
  }

  const source = sourceOf(usage.font)
  const glyphs = cids.map((cid) => usage.glyphs[cid - 1])
  const gids = [0]
  const subsetGid = new Map<number, number>()
  for (const glyph of glyphs) {
    if (subsetGid.has(glyph.glyphId)) continue
    subsetGid.set(glyph.glyphId, gids.length)
    gids.push(glyph.glyphId)
  }
  const fontFile = source.subset(gids)
  const maxCid = cids.length ? cids[cids.length - 1] : 0
  const cidToGid = Buffer.alloc((maxCid + 1) * 2)
  for (const glyph of glyphs) cidToGid.writeUInt16BE(subsetGid.get(glyph.glyphId)!, glyph.cid * 2)

  // /W: consecutive codes share one array.
  const widths: string[] = []
  for (let i = 0; i < glyphs.length;) {
    let j = i
    while (j + 1 < glyphs.length && glyphs[j + 1].cid === glyphs[j].cid + 1) j++
    widths.push(
      `${glyphs[i].cid} [${glyphs
        .slice(i, j + 1)
        .map((g) => round3(g.width))
        .join(' ')}]`
    )
    i = j + 1
  }

  const metrics = source.metrics
  const scale = 1000 / metrics.unitsPerEm
  const name = `${subsetTag(usage.font, glyphs)}+${usage.font.postscriptName}`
  built = {
    name,
    // Setting up zlib costs ~40 µs a call whatever the size, more than a certificate's whole
    // drawing: a subset of a few kilobytes (a Latin name's) stays plain, a bigger one (an Indic
    // name's conjuncts) is compressed. The code map and ToUnicode are a few hundred bytes: plain.
    fontFile:
      fontFile.length > COMPRESS_FONTS_OVER
        ? deflateSync(fontFile, { level: 1, windowBits: 14, memLevel: 7 })
        : fontFile,
    compressed: fontFile.length > COMPRESS_FONTS_OVER,
    fontFileLength: fontFile.length,
    descriptor: [
      `/Type /FontDescriptor /FontName /${name} /Flags 4`,
      `/FontBBox [${metrics.bbox.map((v) => n(v * scale)).join(' ')}]`,
      `/ItalicAngle ${round3(metrics.italicAngle)} /Ascent ${n(metrics.ascent * scale)} /Descent ${n(metrics.descent * scale)}`,
      `/CapHeight ${n(metrics.capHeight * scale)} /StemV 80`,
    ].join(' '),
    cidFont: [
      `/Type /Font /Subtype /CIDFontType2 /BaseFont /${name}`,
      '/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >>',
      `/DW 1000 /W [${widths.join(' ')}]`,
    ].join(' '),
    cidToGid,
    toUnicode: Buffer.from(toUnicodeCMap(glyphs), 'latin1'),
  }
  if (kept.size >= BUILT_FONTS_KEPT) kept.delete(kept.keys().next().value!)
  kept.set(key, built)
  return built
}
