#!/usr/bin/env node
/*
| `npm run fonts:web`: the Indic Noto families we bundle for PDFs
| (resources/fonts/noto-sans-<script>/), as WOFF2 web fonts for the pages.
|
| Each script and weight becomes one subset holding that script's characters
| and the ones it needs around them (dandas, ZWNJ/ZWJ, the dotted circle,
| Vedic signs, Common Indic number forms), with every OpenType layout feature
| kept so conjuncts and vowel signs shape in the browser as on the
| certificate. fonts.css declares each with `unicode-range`, so a page
| downloads only the scripts its text uses (none for Latin-only text).
|
| Writes, under the public folder (resources/public, or --out <folder>):
|   assets/fonts/noto-sans-<script>/<weight>.<hash>.woff2  (content-hashed:
|     served with a one-year immutable Cache-Control, see config/static.ts)
|   assets/fonts/noto-sans-<script>/OFL.txt              (the family's licence)
|   assets/css/fonts.css                                  (the @font-face rules)
| and removes anything else in assets/fonts/. The same inputs always give the
| same bytes; tests/unit/core/web_fonts.spec.ts regenerates into a temporary
| folder and fails when the committed files differ.
|
| Before writing, every subset is checked against its source font: it maps
| every chosen character, keeps the script in GSUB and GPOS, and shapes a
| sample name (conjuncts, reordered vowel signs, marks) to the same glyphs
| and positions as the full font.
*/
import { createHash } from 'node:crypto'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import * as hb from 'harfbuzzjs'
import subsetFont from 'subset-font'

const root = new URL('..', import.meta.url).pathname
const SOURCE = join(root, 'resources/fonts')

/** The weights the pages draw text in: 400, and 700 for headings and names (600 picks 700). */
const WEIGHTS = [
  { weight: 400, file: '400Regular' },
  { weight: 700, file: '700Bold' },
]

/**
 * Characters outside a script's own block that Indic text uses with it; each
 * family keeps those its font has: Vedic stress marks and the dandas (from the
 * Devanagari block, shared by most scripts), Vedic Extensions, ZWNJ and ZWJ
 * (choose half forms and conjuncts), the combining asterisk, the dotted circle
 * (HarfBuzz draws a lone vowel sign on it), Common Indic Number Forms and
 * Devanagari Extended (Bengali and Tamil use one sign each from it).
 */
const SHARED = [
  [0x0951, 0x0952],
  [0x0964, 0x0965],
  [0x1cd0, 0x1cff],
  [0x200c, 0x200d],
  [0x20f0, 0x20f0],
  [0x25cc, 0x25cc],
  [0xa830, 0xa83f],
  [0xa8e0, 0xa8ff],
]

/** Arabic, its Supplement and Extended-A, and the presentation forms. */
const ARABIC_BLOCKS = [
  [0x0600, 0x06ff],
  [0x0750, 0x077f],
  [0x08a0, 0x08ff],
  [0xfb50, 0xfdff],
  [0xfe70, 0xfeff],
]

/**
 * One family per script: its source folder, the CSS family name pages ask
 * for, its own Unicode blocks, its OpenType script tags (new and old Indic
 * shaping), and a name whose conjuncts and vowel signs test the subset.
 */
const FAMILIES = [
  {
    dir: 'noto-sans-devanagari',
    file: 'NotoSansDevanagari',
    family: 'Authentix Devanagari',
    blocks: [
      [0x0900, 0x097f],
      [0x11b00, 0x11b5f],
    ],
    otTags: ['dev2', 'deva'],
    sample: 'श्रीकृष्णक्षत्रियर्द्धिहृदय',
  },
  {
    dir: 'noto-sans-bengali',
    file: 'NotoSansBengali',
    family: 'Authentix Bengali',
    blocks: [[0x0980, 0x09ff]],
    otTags: ['bng2', 'beng'],
    sample: 'সৌমিত্রচট্টোপাধ্যায়র‍্যাব',
  },
  {
    dir: 'noto-sans-gurmukhi',
    file: 'NotoSansGurmukhi',
    family: 'Authentix Gurmukhi',
    blocks: [[0x0a00, 0x0a7f]],
    otTags: ['gur2', 'guru'],
    sample: 'ਗੁਰਪ੍ਰੀਤਸਿੰਘਢਿੱਲੋਂ',
  },
  {
    dir: 'noto-sans-gujarati',
    file: 'NotoSansGujarati',
    family: 'Authentix Gujarati',
    blocks: [[0x0a80, 0x0aff]],
    otTags: ['gjr2', 'gujr'],
    sample: 'દ્રષ્ટિપ્રજાપતિશ્રીકૃષ્ણ',
  },
  {
    dir: 'noto-sans-oriya',
    file: 'NotoSansOriya',
    family: 'Authentix Oriya',
    blocks: [[0x0b00, 0x0b7f]],
    otTags: ['ory2', 'orya'],
    sample: 'ସୌମ୍ୟମହାପାତ୍ରକ୍ଷେତ୍ର',
  },
  {
    dir: 'noto-sans-tamil',
    file: 'NotoSansTamil',
    // Grantha: the few signs Tamil borrows from it (Script_Extensions Taml).
    family: 'Authentix Tamil',
    blocks: [
      [0x0b80, 0x0bff],
      [0x11300, 0x1137f],
      [0x11fc0, 0x11fff],
    ],
    otTags: ['tml2', 'taml'],
    sample: 'ஸ்ரீநிவாஸ்கிருஷ்ணன்கௌசல்யா',
  },
  {
    dir: 'noto-sans-telugu',
    file: 'NotoSansTelugu',
    family: 'Authentix Telugu',
    blocks: [[0x0c00, 0x0c7f]],
    otTags: ['tel2', 'telu'],
    sample: 'శ్రీనివాస్కృష్ణలక్ష్మీ',
  },
  {
    dir: 'noto-sans-kannada',
    file: 'NotoSansKannada',
    family: 'Authentix Kannada',
    blocks: [[0x0c80, 0x0cff]],
    otTags: ['knd2', 'knda'],
    sample: 'ಶ್ರೀನಿವಾಸಕೃಷ್ಣಲಕ್ಷ್ಮೀರ್ಕ',
  },
  {
    dir: 'noto-sans-malayalam',
    file: 'NotoSansMalayalam',
    family: 'Authentix Malayalam',
    blocks: [[0x0d00, 0x0d7f]],
    otTags: ['mlm2', 'mlym'],
    sample: 'ശ്രീക്കുട്ടൻലക്ഷ്മിൻ്റെ',
  },
  {
    // Urdu's Nastaliq, as on the certificates; the Naskh face below takes what it lacks.
    dir: 'noto-nastaliq-urdu',
    file: 'NotoNastaliqUrdu',
    family: 'Authentix Nastaliq',
    blocks: ARABIC_BLOCKS,
    otTags: ['arab'],
    sample: 'محمدعمرانقریشیلالہٹھاکر',
  },
  {
    dir: 'noto-naskh-arabic',
    file: 'NotoNaskhArabic',
    family: 'Authentix Naskh',
    blocks: ARABIC_BLOCKS,
    otTags: ['arab'],
    sample: 'ڪاشفسنڌيمحمدعمران',
  },
  {
    dir: 'noto-sans-ol-chiki',
    file: 'NotoSansOlChiki',
    family: 'Authentix Ol Chiki',
    blocks: [[0x1c50, 0x1c7f]],
    otTags: ['olck'],
    sample: 'ᱥᱟᱱᱛᱟᱲᱤᱢᱟᱨᱰᱤ',
  },
  {
    dir: 'noto-sans-meetei-mayek',
    file: 'NotoSansMeeteiMayek',
    family: 'Authentix Meetei Mayek',
    blocks: [
      [0xabc0, 0xabff],
      [0xaae0, 0xaaff],
    ],
    otTags: ['mtei'],
    sample: 'ꯃꯅꯤꯄꯨꯔꯁꯤꯡꯍ',
  },
]

/** The code points of `ranges` the font maps, ascending. */
function wanted(fontCodePoints, ranges) {
  return [...fontCodePoints]
    .filter((cp) => ranges.some(([from, to]) => cp >= from && cp <= to))
    .sort((a, b) => a - b)
}

/** Ascending code points as a `unicode-range` value: `U+0B82-0B83, U+0B85-0B8A, …`. */
export function unicodeRange(codePoints) {
  const hex = (cp) => cp.toString(16).toUpperCase().padStart(4, '0')
  const parts = []
  let from = codePoints[0]
  let to = from
  for (const cp of [...codePoints.slice(1), Number.NaN]) {
    if (cp === to + 1) {
      to = cp
      continue
    }
    parts.push(from === to ? `U+${hex(from)}` : `U+${hex(from)}-${hex(to)}`)
    from = to = cp
  }
  return parts.join(', ')
}

/**
 * What HarfBuzz draws for `text`: each glyph's outline (ids differ after
 * subsetting), cluster and position. Invisible ZWJ/ZWNJ glyphs are left out:
 * the full font draws them as its zero-width space, the subset has no space.
 */
function shaped(fontBytes, text) {
  const face = new hb.Face(new hb.Blob(fontBytes))
  const font = new hb.Font(face)
  const buffer = new hb.Buffer()
  buffer.addText(text)
  buffer.guessSegmentProperties()
  buffer.setFlags(hb.BufferFlag.REMOVE_DEFAULT_IGNORABLES)
  hb.shape(font, buffer)
  const infos = buffer.getGlyphInfos()
  const positions = buffer.getGlyphPositions()
  return infos.map((info, i) => ({
    outline: font.glyphToPath(info.codepoint),
    cluster: info.cluster,
    notdef: info.codepoint === 0,
    xAdvance: positions[i].xAdvance,
    yAdvance: positions[i].yAdvance,
    xOffset: positions[i].xOffset,
    yOffset: positions[i].yOffset,
  }))
}

/** Throws unless the subset maps every chosen character, keeps the script's layout and shapes like the source. */
function checkSubset(label, family, sourceBytes, subsetBytes, codePoints) {
  const face = new hb.Face(new hb.Blob(subsetBytes))
  const mapped = new Set(face.collectUnicodes())
  const lost = codePoints.filter((cp) => !mapped.has(cp))
  if (lost.length > 0) throw new Error(`${label}: the subset lost ${unicodeRange(lost)}`)
  const sourceFace = new hb.Face(new hb.Blob(sourceBytes))
  for (const table of ['GSUB', 'GPOS']) {
    // A table the source font has (Ol Chiki has no GPOS).
    if (!family.otTags.some((tag) => sourceFace.getTableScriptTags(table).includes(tag))) continue
    const tags = face.getTableScriptTags(table)
    if (!family.otTags.some((tag) => tags.includes(tag)))
      throw new Error(`${label}: the subset's ${table} has no ${family.otTags.join('/')} script`)
  }
  const expected = shaped(sourceBytes, family.sample)
  const actual = shaped(subsetBytes, family.sample)
  if (expected.some((glyph) => glyph.notdef))
    throw new Error(`${label}: the sample name "${family.sample}" is not all in the font`)
  if (JSON.stringify(actual) !== JSON.stringify(expected))
    throw new Error(`${label}: the subset shapes "${family.sample}" differently from the full font`)
}

const short = (bytes) => createHash('sha256').update(bytes).digest('hex').slice(0, 16)

/** Every output file, path relative to the public folder → bytes; the same inputs give the same bytes. */
export async function buildWebFonts() {
  const files = new Map()
  const rules = []
  for (const family of FAMILIES) {
    const licence = await readFile(join(SOURCE, family.dir, 'OFL.txt'))
    files.set(`assets/fonts/${family.dir}/OFL.txt`, licence)
    for (const { weight, file } of WEIGHTS) {
      const label = `${family.dir} ${weight}`
      const sourcePath = join(SOURCE, family.dir, `${family.file}_${file}.ttf`)
      const source = await readFile(sourcePath).catch((error) => {
        throw new Error(`${label}: cannot read ${sourcePath} (${error.code ?? error.message})`)
      })
      const fontCodePoints = new hb.Face(new hb.Blob(source)).collectUnicodes()
      const codePoints = wanted(fontCodePoints, [...family.blocks, ...SHARED])
      const text = String.fromCodePoint(...codePoints)
      // Name ids 0-6 (copyright, family, version…) and 13-14 (the licence and its URL) stay in the font.
      const options = { preserveNameIds: [0, 1, 2, 3, 4, 5, 6, 13, 14] }
      const sfnt = await subsetFont(source, text, { ...options, targetFormat: 'sfnt' })
      checkSubset(label, family, source, sfnt, codePoints)
      const woff2 = await subsetFont(source, text, { ...options, targetFormat: 'woff2' })
      const path = `assets/fonts/${family.dir}/${weight}.${short(woff2)}.woff2`
      files.set(path, woff2)
      rules.push(
        [
          '@font-face {',
          `  font-family: "${family.family}";`,
          '  font-style: normal;',
          `  font-weight: ${weight};`,
          '  font-display: swap;',
          `  src: url("/${path}") format("woff2");`,
          `  unicode-range: ${unicodeRange(codePoints)};`,
          '}',
        ].join('\n')
      )
    }
  }
  const css = [
    '/*',
    '  Generated by bin/web_fonts.js (npm run fonts:web) from resources/fonts/: do not edit.',
    '  The Noto families of the scripts other than Latin, subset; SIL Open Font License 1.1',
    '  (assets/fonts/<family>/OFL.txt).',
    '  Each face is downloaded only when a page shows a character of its unicode-range.',
    '*/',
    ...rules,
    '',
  ].join('\n')
  files.set('assets/css/fonts.css', Buffer.from(css))
  return files
}

/** Writes the files under `publicDir`, replacing assets/fonts/ entirely. */
export async function writeWebFonts(publicDir) {
  const files = await buildWebFonts()
  await rm(join(publicDir, 'assets/fonts'), { recursive: true, force: true })
  for (const [path, bytes] of files) {
    await mkdir(join(publicDir, path, '..'), { recursive: true })
    await writeFile(join(publicDir, path), bytes)
  }
  return files
}

async function main(args) {
  const at = args.indexOf('--out')
  if (at !== -1 && !args[at + 1]) throw new Error('--out needs a folder: --out <public folder>')
  const unknown = args.filter((arg, i) => arg !== '--out' && args[i - 1] !== '--out')
  if (unknown.length)
    throw new Error(`unknown argument ${unknown[0]}; usage: web_fonts.js [--out <folder>]`)
  const publicDir = resolve(at === -1 ? join(root, 'resources/public') : args[at + 1])
  const files = await writeWebFonts(publicDir)
  for (const [path, bytes] of files) console.log(`${String(bytes.length).padStart(7)}  ${path}`)
}

if (process.argv[1] && resolve(process.argv[1]) === new URL(import.meta.url).pathname) {
  main(process.argv.slice(2)).catch((error) => {
    console.error(`web_fonts: ${error.message}`)
    process.exitCode = 1
  })
}
