import * as bidiJs from 'bidi-js'
import type { Bidi } from 'bidi-js'
import * as hb from 'harfbuzzjs'
import { type FontLibrary, type LoadedFont, type Script, scriptOf } from '#templates/services/fonts'

/**
 * Text shaping with HarfBuzz (the shaper browsers use): a string becomes
 * runs of glyphs, one run per font and direction, with HarfBuzz's positions.
 * Indic conjuncts, reordered vowel signs, Arabic joining and mark positioning
 * come from the fonts' OpenType tables exactly as a browser would draw them;
 * the Unicode bidirectional algorithm (bidi-js) orders the runs of a name that
 * mixes right-to-left and left-to-right text, as a browser would.
 */

export interface ShapedGlyph {
  glyphId: number
  /** Font units. */
  xAdvance: number
  xOffset: number
  yOffset: number
  /**
   * Width written for this glyph's code in the PDF (`/W`, 1000 per em):
   * its advance in the font, unless shaping moved the next glyph far from
   * there (marks placed over a base, large kerning). Then the code gets the
   * width that lands exactly on the next glyph, so text extraction sees
   * glyphs that follow each other instead of gaps it would read as spaces.
   */
  pdfWidth: number
  /**
   * The text this glyph stands for when text is copied out of the PDF: the
   * pieces of a cluster's text are handed to its glyphs in drawing order
   * (decomposed, NFD, where a vowel sign is drawn as two glyphs), so the
   * glyphs read in order give back the original string even where a vowel
   * sign is drawn before the consonant it follows.
   */
  text: string
}

export interface ShapedRun {
  font: LoadedFont
  text: string
  /** Right to left (an odd bidi level): its glyphs are in drawing order, its text's last letter first. */
  rtl: boolean
  glyphs: ShapedGlyph[]
  /** Sum of advances, font units. */
  advance: number
}

export interface TextLayout {
  text: string
  /** In drawing order, left to right. */
  runs: ShapedRun[]
  fontSize: number
  /** Width at `fontSize`, points. */
  width: number
  /** The font whose ascender and descender place the baseline. */
  primary: LoadedFont
  /** Still wider than the box at the smallest allowed size. */
  overflow: boolean
  /** Characters no bundled font can draw (they come out as empty boxes). */
  missing: string[]
  /**
   * The text's characters in drawing order, left to right (`text` itself unless some of it is
   * right to left), brackets not mirrored: what text extractors that place a marked-content
   * span's ActualText across its width expect (poppler), see the certificate writer.
   */
  drawnText: string
}

export interface TextStyle {
  fontFamily: string
  bold: boolean
  fontSize: number
  minFontSize: number
  autoFit: boolean
  /** Box width, points. */
  maxWidth: number
}

/** One reusable buffer per thread: HarfBuzz objects live in WebAssembly memory. */
let buffer: hb.Buffer | null = null

function shapingBuffer() {
  buffer ??= new hb.Buffer()
  buffer.reset()
  return buffer
}

const reverseCmaps = new WeakMap<LoadedFont, Map<number, number>>()

/** Glyph id → the character it is the nominal glyph of, built once per font. */
function reverseCmap(font: LoadedFont) {
  let map = reverseCmaps.get(font)
  if (!map) {
    map = new Map()
    for (const codePoint of font.hbFont.face.collectUnicodes()) {
      const glyph = font.hbFont.nominalGlyph(codePoint)
      if (glyph !== undefined && !map.has(glyph)) map.set(glyph, codePoint)
    }
    reverseCmaps.set(font, map)
  }
  return map
}

/** Collapse whitespace (line breaks included) and compose characters (NFC). */
export function normaliseText(value: string) {
  return value.normalize('NFC').replace(/\s+/gu, ' ').trim()
}

export function shapeRun(font: LoadedFont, text: string, rtl = false): ShapedRun {
  const buf = shapingBuffer()
  buf.addText(text)
  buf.setDirection(rtl ? hb.Direction.RTL : hb.Direction.LTR)
  buf.guessSegmentProperties()
  hb.shape(font.hbFont, buf)
  const infos = buf.getGlyphInfos()
  const positions = buf.getGlyphPositions()

  // Cluster values are UTF-16 offsets into `text`: non-decreasing left to right, non-increasing
  // right to left (glyphs come in drawing order either way).
  const starts = [...new Set(infos.map((info) => info.cluster))].sort((a, b) => a - b)
  const endOf = new Map<number, number>()
  starts.forEach((start, i) => endOf.set(start, starts[i + 1] ?? text.length))

  const glyphs: Omit<ShapedGlyph, 'pdfWidth'>[] = []
  let advance = 0
  let i = 0
  while (i < infos.length) {
    const cluster = infos[i].cluster
    let j = i
    while (j < infos.length && infos[j].cluster === cluster) j++
    const clusterText = text.slice(cluster, endOf.get(cluster))
    const texts = clusterTexts(
      font,
      infos.slice(i, j).map((info) => info.codepoint),
      clusterText
    )
    for (let k = i; k < j; k++) {
      const position = positions[k]
      glyphs.push({
        glyphId: infos[k].codepoint,
        xAdvance: position.xAdvance,
        xOffset: position.xOffset,
        yOffset: position.yOffset,
        text: texts[k - i],
      })
      advance += position.xAdvance
    }
    i = j
  }
  return { font, text, rtl, glyphs: withCarriers(font, withPdfWidths(font, glyphs)), advance }
}

const NONSPACING_MARK = /\p{Mn}/u
const SEGMENTS = /\p{Mn}+|\p{Cf}+|[^\p{Mn}\p{Cf}]+/gu

/**
 * Text extractors judge glyphs by the text they map to: pdf.js takes a
 * glyph whose text holds a nonspacing mark (a vowel sign such as ా, a
 * virama) for a zero-width mark, loses track of where it ends and reads the
 * gap to the next glyph as a space ("రా వు"). Such glyphs keep only their
 * letters; the marks ride on invisible zero-width glyphs (the font's space
 * with no advance) drawn right before or after, so the text still reads in
 * logical order and nothing extra is visible.
 */
function withCarriers(font: LoadedFont, glyphs: ShapedGlyph[]): ShapedGlyph[] {
  const carrierId = font.hbFont.nominalGlyph(0x20)
  if (carrierId === undefined) return glyphs
  const out: ShapedGlyph[] = []
  for (const glyph of glyphs) {
    if (glyph.pdfWidth === 0 || !NONSPACING_MARK.test(glyph.text)) {
      out.push(glyph)
      continue
    }
    const segments = glyph.text.match(SEGMENTS) ?? []
    const main = segments.findIndex((segment) => !/^[\p{Mn}\p{Cf}]/u.test(segment))
    if (main === -1) {
      out.push(glyph)
      continue
    }
    const carrier = (text: string, offset: number): ShapedGlyph => ({
      glyphId: carrierId,
      xAdvance: 0,
      xOffset: offset,
      yOffset: 0,
      pdfWidth: 0,
      text,
    })
    segments.slice(0, main).forEach((segment) => out.push(carrier(segment, 0)))
    out.push({ ...glyph, text: segments[main] })
    segments.slice(main + 1).forEach((segment) => out.push(carrier(segment, 0)))
  }
  return out
}

/** Shifts up to this fraction of an em stay TJ adjustments; text extractors add a space from about 0.1 em. */
const TOLERATED_SHIFT = 0.06

function withPdfWidths(font: LoadedFont, glyphs: Omit<ShapedGlyph, 'pdfWidth'>[]): ShapedGlyph[] {
  const toPdf = 1000 / font.upem
  let pen = 0
  return glyphs.map((glyph, index) => {
    const drawnAt = pen + glyph.xOffset
    pen += glyph.xAdvance
    const next = glyphs[index + 1]
    const nextAt = pen + (next ? next.xOffset : 0)
    const nominal = Math.round(font.advance(glyph.glyphId) * toPdf)
    const wanted = Math.round((nextAt - drawnAt) * toPdf)
    const pdfWidth =
      Math.abs(wanted - nominal) <= TOLERATED_SHIFT * 1000 || wanted < 0 ? nominal : wanted
    return { ...glyph, pdfWidth }
  })
}

/** Per-glyph text of one cluster whose pieces, read in glyph order, spell `clusterText`. */
function clusterTexts(font: LoadedFont, glyphIds: number[], clusterText: string): string[] {
  if (glyphIds.length === 1) return [clusterText]
  const reverse = reverseCmap(font)
  const nominal = glyphIds.map((id) => reverse.get(id))
  if (
    nominal.every((cp) => cp !== undefined) &&
    String.fromCodePoint(...(nominal as number[])) === clusterText
  ) {
    return nominal.map((cp) => String.fromCodePoint(cp!))
  }
  const pieces = [...clusterText.normalize('NFD')]
  if (pieces.length >= glyphIds.length) {
    return glyphIds.map((_, index) =>
      index < glyphIds.length - 1 ? pieces[index] : pieces.slice(index).join('')
    )
  }
  // More glyphs than characters: the spare ones stand for a zero-width space, which extractors drop.
  return glyphIds.map((_, index) => (index === 0 ? clusterText : '\u200b'))
}

/**
 * Splits text into runs that one font can draw in one direction: characters go
 * to the chosen family when it has them, otherwise to their script's family;
 * spaces, digits, punctuation and marks stay with their neighbours so a run is
 * not broken (and shaped wrongly) at every space. A text with right-to-left
 * letters is also cut where its bidi level changes, and its runs are put in
 * drawing order (left to right) by the bidirectional algorithm.
 */
export function itemise(text: string, fonts: FontLibrary, familyKey: string, bold: boolean) {
  const primary = fonts.get(familyKey, bold)
  const chars = [...text]
  const codePoints = chars.map((char) => char.codePointAt(0)!)
  // One fallback per script for the whole text (it looks at all of the text's letters of that script).
  const fallbacks = new Map<Script, LoadedFont>()
  const assigned: Array<LoadedFont | null> = codePoints.map((codePoint) => {
    const script = scriptOf(codePoint)
    if (script === null) return null
    if (primary.has(codePoint)) return primary
    let fallback = fallbacks.get(script)
    if (!fallback) {
      fallback = fonts.fallbackFor(script, bold, codePoints)
      fallbacks.set(script, fallback)
    }
    if (fallback.has(codePoint)) return fallback
    return fonts.lastResorts(bold).find((font) => font.has(codePoint)) ?? primary
  })

  // Shared characters take the font before them, else the one after, else the chosen family.
  const missing: string[] = []
  for (const [i, codePoint] of codePoints.entries()) {
    if (assigned[i] !== null) continue
    const before = assigned.slice(0, i).findLast((font) => font !== null)
    const after = assigned.slice(i + 1).find((font) => font !== null)
    const candidates = [before, after, primary, ...fonts.lastResorts(bold)].filter(
      (font): font is LoadedFont => !!font
    )
    assigned[i] =
      candidates.find((font) => font.has(codePoint) || isInvisible(codePoint)) ?? primary
  }
  chars.forEach((char, i) => {
    const codePoint = codePoints[i]
    if (!assigned[i]!.has(codePoint) && !isInvisible(codePoint)) missing.push(char)
  })

  const levels = bidiLevels(text)
  const runs: Array<{ font: LoadedFont; text: string; rtl: boolean; start: number }> = []
  let offset = 0
  chars.forEach((char, i) => {
    const font = assigned[i]!
    const rtl = levels ? levels.levels[offset] % 2 === 1 : false
    const last = runs.at(-1)
    if (last && last.font === font && sameLevel(levels, last.start, offset)) last.text += char
    else runs.push({ font, text: char, rtl, start: offset })
    offset += char.length
  })
  return {
    primary,
    runs: levels ? inDrawingOrder(text, levels, runs) : runs,
    missing: [...new Set(missing)],
    drawnText: levels ? inDrawingOrderText(text, levels) : text,
  }
}

/** Letters written right to left (Hebrew, Arabic, Syriac, Thaana, N'Ko…) and the marks that force that direction. */
const RIGHT_TO_LEFT =
  /[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc\u200f\u202b\u202e\u2067\u{10800}-\u{10fff}\u{1e800}-\u{1efff}]/u

// A CommonJS package whose exports object is the factory: Node hands it over as the namespace's
// `default`, while its typings declare an ES default export of the factory.
const bidiFactory = (bidiJs as unknown as { default: () => Bidi }).default
let bidi: Bidi | null = null

/**
 * The bidi levels of a text's UTF-16 units (its direction from its first strong letter); null for
 * left-to-right text.
 */
function bidiLevels(text: string) {
  if (!RIGHT_TO_LEFT.test(text)) return null
  bidi ??= bidiFactory()
  return bidi.getEmbeddingLevels(text, 'auto')
}

function sameLevel(levels: ReturnType<typeof bidiLevels>, a: number, b: number) {
  return !levels || levels.levels[a] === levels.levels[b]
}

/** Runs (each of one level) sorted by where the bidi algorithm draws their first unit. */
function inDrawingOrder<Run extends { start: number }>(
  text: string,
  levels: NonNullable<ReturnType<typeof bidiLevels>>,
  runs: Run[]
): Run[] {
  const drawnAt = new Map<number, number>()
  bidi!.getReorderedIndices(text, levels).forEach((unit, position) => drawnAt.set(unit, position))
  return [...runs].sort((a, b) => drawnAt.get(a.start)! - drawnAt.get(b.start)!)
}

/** The characters of `text` in the bidi algorithm's drawing order (a surrogate pair kept in its order). */
function inDrawingOrderText(text: string, levels: NonNullable<ReturnType<typeof bidiLevels>>) {
  const units = bidi!.getReorderedIndices(text, levels).map((unit) => text[unit])
  for (let i = 0; i + 1 < units.length; i++) {
    if (/[\udc00-\udfff]/.test(units[i]) && /[\ud800-\udbff]/.test(units[i + 1])) {
      ;[units[i], units[i + 1]] = [units[i + 1], units[i]]
      i++
    }
  }
  return units.join('')
}

/** Joiners and similar format characters have no glyph of their own; shaping consumes them. */
function isInvisible(codePoint: number) {
  return (
    (codePoint >= 0x200b && codePoint <= 0x200f) || codePoint === 0x2060 || codePoint === 0xfeff
  )
}

/**
 * Shape a field value and pick its size: the field's size, or smaller (never below the minimum)
 * when auto-fit is on.
 */
export function layoutText(value: string, style: TextStyle, fonts: FontLibrary): TextLayout {
  const text = normaliseText(value)
  const {
    primary,
    runs: items,
    missing,
    drawnText,
  } = itemise(text, fonts, style.fontFamily, style.bold)
  const runs = items.map((item) => shapeRun(item.font, item.text, item.rtl))
  const ems = runs.reduce((sum, run) => sum + run.advance / run.font.upem, 0)
  let fontSize = style.fontSize
  if (style.autoFit && ems * fontSize > style.maxWidth && ems > 0) {
    fontSize = Math.max(style.minFontSize, Math.floor((style.maxWidth / ems) * 100) / 100)
  }
  const width = ems * fontSize
  return {
    text,
    runs,
    fontSize,
    width,
    primary,
    overflow: width > style.maxWidth + 0.01,
    missing,
    drawnText,
  }
}
