import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import * as hb from 'harfbuzzjs'

/**
 * The fonts bundled with Authentix (`resources/fonts/<family>/`, each folder
 * with its SIL Open Font License). A text field names one family; characters
 * that family lacks are drawn with the family of their script
 * (`SCRIPT_FALLBACKS`), so an Indic name in a Latin font still comes out right.
 */

export type Script =
  | 'latin'
  | 'devanagari'
  | 'bengali'
  | 'gurmukhi'
  | 'gujarati'
  | 'oriya'
  | 'tamil'
  | 'telugu'
  | 'kannada'
  | 'malayalam'
  | 'arabic'
  | 'ol-chiki'
  | 'meetei-mayek'

export interface FontFamily {
  key: string
  label: string
  /** How it looks, for the designer's font menu. */
  style: 'sans' | 'serif' | 'display' | 'script'
  /** The script it is made for (the non-Latin families also cover basic Latin). */
  script: Script
  regular: string
  bold: string | null
}

const FONTS_DIR = new URL('../../../resources/fonts/', import.meta.url)

export const FONT_FAMILIES: readonly FontFamily[] = [
  {
    key: 'noto-sans',
    label: 'Noto Sans',
    style: 'sans',
    script: 'latin',
    regular: 'noto-sans/NotoSans_400Regular.ttf',
    bold: 'noto-sans/NotoSans_700Bold.ttf',
  },
  {
    key: 'noto-serif',
    label: 'Noto Serif',
    style: 'serif',
    script: 'latin',
    regular: 'noto-serif/NotoSerif_400Regular.ttf',
    bold: 'noto-serif/NotoSerif_700Bold.ttf',
  },
  {
    key: 'playfair-display',
    label: 'Playfair Display',
    style: 'display',
    script: 'latin',
    regular: 'playfair-display/PlayfairDisplay_400Regular.ttf',
    bold: 'playfair-display/PlayfairDisplay_700Bold.ttf',
  },
  {
    key: 'great-vibes',
    label: 'Great Vibes',
    style: 'script',
    script: 'latin',
    regular: 'great-vibes/GreatVibes_400Regular.ttf',
    bold: null,
  },
  {
    key: 'noto-sans-devanagari',
    label: 'Noto Sans Devanagari',
    style: 'sans',
    script: 'devanagari',
    regular: 'noto-sans-devanagari/NotoSansDevanagari_400Regular.ttf',
    bold: 'noto-sans-devanagari/NotoSansDevanagari_700Bold.ttf',
  },
  {
    key: 'noto-sans-bengali',
    label: 'Noto Sans Bengali',
    style: 'sans',
    script: 'bengali',
    regular: 'noto-sans-bengali/NotoSansBengali_400Regular.ttf',
    bold: 'noto-sans-bengali/NotoSansBengali_700Bold.ttf',
  },
  {
    key: 'noto-sans-gurmukhi',
    label: 'Noto Sans Gurmukhi',
    style: 'sans',
    script: 'gurmukhi',
    regular: 'noto-sans-gurmukhi/NotoSansGurmukhi_400Regular.ttf',
    bold: 'noto-sans-gurmukhi/NotoSansGurmukhi_700Bold.ttf',
  },
  {
    key: 'noto-sans-gujarati',
    label: 'Noto Sans Gujarati',
    style: 'sans',
    script: 'gujarati',
    regular: 'noto-sans-gujarati/NotoSansGujarati_400Regular.ttf',
    bold: 'noto-sans-gujarati/NotoSansGujarati_700Bold.ttf',
  },
  {
    key: 'noto-sans-oriya',
    label: 'Noto Sans Oriya',
    style: 'sans',
    script: 'oriya',
    regular: 'noto-sans-oriya/NotoSansOriya_400Regular.ttf',
    bold: 'noto-sans-oriya/NotoSansOriya_700Bold.ttf',
  },
  {
    key: 'noto-sans-tamil',
    label: 'Noto Sans Tamil',
    style: 'sans',
    script: 'tamil',
    regular: 'noto-sans-tamil/NotoSansTamil_400Regular.ttf',
    bold: 'noto-sans-tamil/NotoSansTamil_700Bold.ttf',
  },
  {
    key: 'noto-sans-telugu',
    label: 'Noto Sans Telugu',
    style: 'sans',
    script: 'telugu',
    regular: 'noto-sans-telugu/NotoSansTelugu_400Regular.ttf',
    bold: 'noto-sans-telugu/NotoSansTelugu_700Bold.ttf',
  },
  {
    key: 'noto-sans-kannada',
    label: 'Noto Sans Kannada',
    style: 'sans',
    script: 'kannada',
    regular: 'noto-sans-kannada/NotoSansKannada_400Regular.ttf',
    bold: 'noto-sans-kannada/NotoSansKannada_700Bold.ttf',
  },
  {
    key: 'noto-sans-malayalam',
    label: 'Noto Sans Malayalam',
    style: 'sans',
    script: 'malayalam',
    regular: 'noto-sans-malayalam/NotoSansMalayalam_400Regular.ttf',
    bold: 'noto-sans-malayalam/NotoSansMalayalam_700Bold.ttf',
  },
  {
    key: 'noto-nastaliq-urdu',
    label: 'Noto Nastaliq Urdu',
    style: 'script',
    script: 'arabic',
    regular: 'noto-nastaliq-urdu/NotoNastaliqUrdu_400Regular.ttf',
    bold: 'noto-nastaliq-urdu/NotoNastaliqUrdu_700Bold.ttf',
  },
  {
    key: 'noto-naskh-arabic',
    label: 'Noto Naskh Arabic',
    style: 'serif',
    script: 'arabic',
    regular: 'noto-naskh-arabic/NotoNaskhArabic_400Regular.ttf',
    bold: 'noto-naskh-arabic/NotoNaskhArabic_700Bold.ttf',
  },
  {
    key: 'noto-sans-ol-chiki',
    label: 'Noto Sans Ol Chiki',
    style: 'sans',
    script: 'ol-chiki',
    regular: 'noto-sans-ol-chiki/NotoSansOlChiki_400Regular.ttf',
    bold: 'noto-sans-ol-chiki/NotoSansOlChiki_700Bold.ttf',
  },
  {
    key: 'noto-sans-meetei-mayek',
    label: 'Noto Sans Meetei Mayek',
    style: 'sans',
    script: 'meetei-mayek',
    regular: 'noto-sans-meetei-mayek/NotoSansMeeteiMayek_400Regular.ttf',
    bold: 'noto-sans-meetei-mayek/NotoSansMeeteiMayek_700Bold.ttf',
  },
]

export const DEFAULT_FONT_FAMILY = 'noto-sans'

/**
 * The families that draw a script when the chosen family lacks its glyphs, in order of
 * preference: a text's characters of that script all go to the first family that has every
 * one of them (a word split between two fonts would lose its joins). Arabic-script names in
 * India are mostly Urdu (and Kashmiri), written in Nastaliq; Naskh takes a name with a letter
 * Nastaliq lacks (Sindhi's ڪ).
 */
export const SCRIPT_FALLBACKS: Record<Script, string[]> = {
  'latin': ['noto-sans'],
  'devanagari': ['noto-sans-devanagari'],
  'bengali': ['noto-sans-bengali'],
  'gurmukhi': ['noto-sans-gurmukhi'],
  'gujarati': ['noto-sans-gujarati'],
  'oriya': ['noto-sans-oriya'],
  'tamil': ['noto-sans-tamil'],
  'telugu': ['noto-sans-telugu'],
  'kannada': ['noto-sans-kannada'],
  'malayalam': ['noto-sans-malayalam'],
  'arabic': ['noto-nastaliq-urdu', 'noto-naskh-arabic'],
  'ol-chiki': ['noto-sans-ol-chiki'],
  'meetei-mayek': ['noto-sans-meetei-mayek'],
}

/**
 * Unicode blocks of the scripts other than Latin we draw: the Indic ones (Devanagari Extended
 * included), Arabic (with its Supplement, Extended-A and presentation forms), Ol Chiki and
 * Meetei Mayek (with its Extensions).
 */
const SCRIPT_RANGES: Array<[number, number, Script]> = [
  [0x0900, 0x097f, 'devanagari'],
  [0xa8e0, 0xa8ff, 'devanagari'],
  [0x0980, 0x09ff, 'bengali'],
  [0x0a00, 0x0a7f, 'gurmukhi'],
  [0x0a80, 0x0aff, 'gujarati'],
  [0x0b00, 0x0b7f, 'oriya'],
  [0x0b80, 0x0bff, 'tamil'],
  [0x0c00, 0x0c7f, 'telugu'],
  [0x0c80, 0x0cff, 'kannada'],
  [0x0d00, 0x0d7f, 'malayalam'],
  [0x0600, 0x06ff, 'arabic'],
  [0x0750, 0x077f, 'arabic'],
  [0x08a0, 0x08ff, 'arabic'],
  [0xfb50, 0xfdff, 'arabic'],
  [0xfe70, 0xfeff, 'arabic'],
  [0x1c50, 0x1c7f, 'ol-chiki'],
  [0xabc0, 0xabff, 'meetei-mayek'],
  [0xaae0, 0xaaff, 'meetei-mayek'],
]

/**
 * The script of a code point; null for characters every script shares (spaces, digits,
 * punctuation, joiners, marks).
 */
export function scriptOf(codePoint: number): Script | null {
  for (const [from, to, script] of SCRIPT_RANGES)
    if (codePoint >= from && codePoint <= to) return script
  // Dandas are in the Devanagari block but Bengali, Gurmukhi, Oriya… use them too.
  if (codePoint === 0x0964 || codePoint === 0x0965) return null
  if (isShared(codePoint)) return null
  return 'latin'
}

const SHARED = /[\p{White_Space}\p{Nd}\p{P}\p{S}\p{M}\u200b-\u200d\u2060\ufeff]/u

function isShared(codePoint: number) {
  return SHARED.test(String.fromCodePoint(codePoint))
}

export function fontFamily(key: string): FontFamily | undefined {
  return FONT_FAMILIES.find((family) => family.key === key)
}

/** Accepts a family key or its label in any case (`"Noto Serif"`, `"noto-serif"`). */
export function resolveFontFamilyKey(value: string): string | null {
  const wanted = value.trim().toLowerCase()
  const found = FONT_FAMILIES.find(
    (family) => family.key === wanted || family.label.toLowerCase() === wanted
  )
  return found ? found.key : null
}

export function fontFilePath(relative: string) {
  return fileURLToPath(new URL(relative, FONTS_DIR))
}

export function fontLicensePath(family: FontFamily) {
  return fontFilePath(`${family.regular.split('/')[0]}/OFL.txt`)
}

/**
 * One font file ready to shape and embed: its bytes, a HarfBuzz font for
 * shaping and metrics, and the numbers a PDF font descriptor needs. Loaded
 * once per thread and reused for every document (parsing fonts per document
 * is the largest avoidable cost in generation).
 */
export class LoadedFont {
  readonly hbFont: hb.Font
  readonly upem: number
  readonly ascender: number
  readonly descender: number
  private readonly coverage = new Map<number, boolean>()
  private readonly advances = new Map<number, number>()

  constructor(
    /** `<family>:<regular|bold>`, unique per file. */
    readonly id: string,
    readonly family: FontFamily,
    readonly weight: 'regular' | 'bold',
    readonly bytes: Uint8Array,
    readonly postscriptName: string
  ) {
    const face = new hb.Face(new hb.Blob(bytes))
    this.hbFont = new hb.Font(face)
    this.upem = face.upem
    const extents = this.hbFont.hExtents()
    this.ascender = extents.ascender
    this.descender = extents.descender
  }

  has(codePoint: number) {
    let known = this.coverage.get(codePoint)
    if (known === undefined) {
      known = this.hbFont.nominalGlyph(codePoint) !== undefined
      this.coverage.set(codePoint, known)
    }
    return known
  }

  /** Advance width of a glyph in font units. */
  advance(glyphId: number) {
    let width = this.advances.get(glyphId)
    if (width === undefined) {
      width = this.hbFont.glyphHAdvance(glyphId)
      this.advances.set(glyphId, width)
    }
    return width
  }
}

/** PostScript name from the `name` table (id 6), letters and digits only, for `/BaseFont`. */
function postscriptNameOf(bytes: Uint8Array, fallback: string) {
  const face = new hb.Face(new hb.Blob(bytes))
  const name = face.getName(6, 'en') || fallback
  return name.replace(/[^A-Za-z0-9-]/g, '') || fallback
}

/** Every bundled font, loaded on first use and kept for the life of the thread. */
export class FontLibrary {
  private readonly loaded = new Map<string, LoadedFont>()
  /** By the arguments of `get`: layout asks for the same few fonts for every text. */
  private readonly byRequest = new Map<string, LoadedFont>()
  private readonly lastResortLists = new Map<boolean, LoadedFont[]>()

  get(familyKey: string, bold = false): LoadedFont {
    const request = bold ? `${familyKey}\u0000b` : familyKey
    const known = this.byRequest.get(request)
    if (known) return known
    const font = this.load(familyKey, bold)
    this.byRequest.set(request, font)
    return font
  }

  private load(familyKey: string, bold: boolean): LoadedFont {
    const family = fontFamily(familyKey) ?? fontFamily(DEFAULT_FONT_FAMILY)!
    const weight = bold && family.bold ? 'bold' : 'regular'
    const id = `${family.key}:${weight}`
    let font = this.loaded.get(id)
    if (!font) {
      const bytes = new Uint8Array(
        readFileSync(fontFilePath(weight === 'bold' ? family.bold! : family.regular))
      )
      font = new LoadedFont(
        id,
        family,
        weight,
        bytes,
        postscriptNameOf(bytes, family.label.replace(/\s+/g, ''))
      )
      this.loaded.set(id, font)
    }
    return font
  }

  /**
   * The font for a script's characters when the chosen family lacks them: the first family of
   * `SCRIPT_FALLBACKS` that has every character of that script in `codePoints` (the text's),
   * else the first.
   */
  fallbackFor(script: Script, bold: boolean, codePoints: readonly number[] = []): LoadedFont {
    const keys = SCRIPT_FALLBACKS[script]
    if (keys.length > 1) {
      const own = codePoints.filter((codePoint) => scriptOf(codePoint) === script)
      for (const key of keys) {
        const font = this.get(key, bold)
        if (own.every((codePoint) => font.has(codePoint))) return font
      }
    }
    return this.get(keys[0], bold)
  }

  /** Fonts tried, in order, for a character nobody else has: the sans families, then every script's. */
  lastResorts(bold: boolean): LoadedFont[] {
    let list = this.lastResortLists.get(bold)
    if (!list) {
      const keys = new Set([
        ...FONT_FAMILIES.filter((family) => family.style === 'sans').map((family) => family.key),
        ...Object.values(SCRIPT_FALLBACKS).flat(),
      ])
      list = [...keys].map((key) => this.get(key, bold))
      this.lastResortLists.set(bold, list)
    }
    return list
  }
}

let shared: FontLibrary | null = null

/** The thread's font library. */
export function fontLibrary() {
  shared ??= new FontLibrary()
  return shared
}
