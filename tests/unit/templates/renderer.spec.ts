import { existsSync, readFileSync } from 'node:fs'
import { test } from '@japa/runner'
import QRCode from 'qrcode'
import { PreparedTemplate, GlyphsNotPreparedError } from '#templates/services/prepared_template'
import { FONT_FAMILIES, fontLicensePath, fontFilePath } from '#templates/services/fonts'
import { QUIET_ZONE } from '#templates/services/qr'
import { extractText, rasterizePage } from '#templates/services/rasterize'
import { activeContentKeys } from '#templates/services/template_source'
import { field, harfbuzzShape, outlineIn, outlineOf, snapshotWith } from '#tests/helpers/templates'
import { inspectPage } from '#tests/helpers/pdf_inspect'
import { decodeQr } from '#tests/helpers/qr'
import { pdfText } from '#tests/helpers/pdf_tools'

/** A name in each Indic script we bundle a font for; the first three are the product's acceptance names. */
const INDIC_NAMES: Array<{ family: string; text: string }> = [
  { family: 'noto-sans-devanagari', text: 'अनन्या गुप्ता' },
  { family: 'noto-sans-tamil', text: 'தமிழ்செல்வி முருகன்' },
  { family: 'noto-sans-bengali', text: 'সৌরভ গাঙ্গুলী' },
  { family: 'noto-sans-devanagari', text: 'श्रीकृष्ण त्रिपाठी' },
  { family: 'noto-sans-telugu', text: 'వెంకటేశ్వర రావు శ్రీనివాస్' },
  { family: 'noto-sans-kannada', text: 'ಕುವೆಂಪು ಪುಟ್ಟಪ್ಪ ಶ್ರೀಧರ್' },
  { family: 'noto-sans-malayalam', text: 'മമ്മൂട്ടി കൃഷ്ണൻ ശ്രീകുമാർ' },
  { family: 'noto-sans-gujarati', text: 'નરેન્દ્ર મોદી શ્રીમતી' },
  { family: 'noto-sans-gurmukhi', text: 'ਗੁਰਪ੍ਰੀਤ ਸਿੰਘ ਹਰਿੰਦਰ' },
  { family: 'noto-sans-oriya', text: 'ସୌମ୍ୟ ମହାପାତ୍ର କୋଣାର୍କ' },
  { family: 'noto-sans-bengali', text: 'রবীন্দ্রনাথ ঠাকুর' },
]

/**
 * A name in each other script of India's scheduled languages: Urdu in Nastaliq (Urdu's default)
 * and Sindhi in Naskh (its ڪ is not in the Nastaliq font), right to left; Santali in Ol Chiki;
 * Manipuri in Meetei Mayek.
 */
const OTHER_NAMES: Array<{ family: string; text: string }> = [
  { family: 'noto-nastaliq-urdu', text: 'محمد عمران' },
  { family: 'noto-naskh-arabic', text: 'ڪاشف سنڌي' },
  { family: 'noto-sans-ol-chiki', text: 'ᱥᱟᱱᱛᱟᱲᱤ ᱢᱟᱨᱰᱤ' },
  { family: 'noto-sans-meetei-mayek', text: 'ꯃꯅꯤꯄꯨꯔ ꯁꯤꯡꯍ' },
]

/** One line of text for every family, in the script it is made for. */
const SAMPLE_FOR_SCRIPT: Record<string, string> = {
  latin: 'Office Workflow — Ærø fi ffl ₹1,499',
}

async function renderOne(fields: Parameters<typeof snapshotWith>[0], row: Record<string, string>) {
  const snapshot = await snapshotWith(fields)
  const prepared = await PreparedTemplate.prepare(snapshot, [row])
  return { prepared, pdf: prepared.render(row), snapshot }
}

/**
 * Every glyph drawn for a field, checked against HarfBuzz on the original
 * font: same glyph (same outline in the embedded subset as HarfBuzz's glyph
 * in the original file) and same position (within 0.02 pt).
 */
async function assertDrawnLikeHarfBuzz(assert: any, familyKey: string, text: string, bold = false) {
  const size = 24
  const { pdf } = await renderOne(
    [
      field({
        key: 'recipient_name',
        type: 'text',
        fontFamily: familyKey,
        bold,
        fontSize: size,
        width: 700,
        x: 40,
      }),
    ],
    {
      recipient_name: text,
    }
  )
  // Zero-width empty glyphs only carry text for extraction (see text_layout); they draw nothing.
  const inspected = await inspectPage(pdf)
  const glyphs = inspected.glyphs.filter(
    (g) => !(g.width === 0 && outlineOf(g.fontFile, g.gid) === '')
  )
  // Nastaliq's shaping leaves empty zero-width glyphs behind (placeholders of its contextual
  // forms): they draw nothing either way.
  const shaped = harfbuzzShape(familyKey, text, bold)
  const reference = {
    ...shaped,
    glyphs: shaped.glyphs.filter((g) => !(g.advance === 0 && outlineIn(shaped.font, g.gid) === '')),
  }
  assert.equal(glyphs.length, reference.glyphs.length, `${text}: number of glyphs`)
  const scale = size / reference.upem
  const originX = glyphs[0].x - reference.glyphs[0].x * scale
  const baseline = glyphs.find((_, i) => reference.glyphs[i].y === 0)!.y
  glyphs.forEach((drawn, i) => {
    const expected = reference.glyphs[i]
    assert.equal(
      outlineOf(drawn.fontFile, drawn.gid),
      outlineIn(reference.font, expected.gid),
      `${text}: glyph ${i} is HarfBuzz's glyph ${expected.gid}`
    )
    assert.closeTo(drawn.x, originX + expected.x * scale, 0.02, `${text}: x of glyph ${i}`)
    assert.closeTo(drawn.y, baseline + expected.y * scale, 0.02, `${text}: y of glyph ${i}`)
  })
  return pdf
}

test.group('Renderer: Indic shaping', () => {
  for (const { family, text } of INDIC_NAMES) {
    test(`"${text}" is drawn with HarfBuzz's glyphs and positions in ${family}`, async ({
      assert,
    }) => {
      await assertDrawnLikeHarfBuzz(assert, family, text)
    })
  }

  for (const { family, text } of OTHER_NAMES) {
    test(`"${text}" is drawn with HarfBuzz's glyphs and positions in ${family}`, async ({
      assert,
    }) => {
      await assertDrawnLikeHarfBuzz(assert, family, text)
    })
  }

  test('an Urdu name in a Latin family is drawn in Nastaliq, a Sindhi one in Naskh, each word whole', async ({
    assert,
  }) => {
    for (const [text, font] of [
      ['محمد عمران', 'NotoNastaliqUrdu-Regular'],
      ['ڪاشف سنڌي', 'NotoNaskhArabic-Regular'],
    ]) {
      const { pdf } = await renderOne(
        [field({ key: 'recipient_name', type: 'text', fontFamily: 'noto-sans' })],
        { recipient_name: text }
      )
      const { glyphs } = await inspectPage(pdf)
      assert.deepEqual([...new Set(glyphs.map((g) => g.baseFont.split('+')[1]))], [font], text)
    }
  })

  test('a name mixing Latin and Urdu is drawn in the bidirectional algorithm’s order: Latin left to right, Urdu right to left', async ({
    assert,
  }) => {
    const { pdf } = await renderOne(
      [field({ key: 'recipient_name', type: 'text', fontFamily: 'noto-sans', width: 700 })],
      { recipient_name: 'Dr. محمد عمران (MBA)' }
    )
    const { glyphs } = await inspectPage(pdf)
    const runs: Array<{ font: string; x: number }> = []
    for (const glyph of glyphs) {
      const font = glyph.baseFont.split('+')[1]
      if (runs.at(-1)?.font !== font) runs.push({ font, x: glyph.x })
    }
    assert.deepEqual(
      runs.map((run) => run.font),
      ['NotoSans-Regular', 'NotoNastaliqUrdu-Regular', 'NotoSans-Regular'],
      '"Dr. ", the Urdu words, " (MBA)" from left to right'
    )
    assert.isBelow(runs[0].x, runs[1].x)
    assert.isBelow(runs[1].x, runs[2].x)
    const urdu = harfbuzzShape('noto-nastaliq-urdu', 'محمد عمران')
    const drawn = glyphs.filter((g) => g.baseFont.endsWith('NotoNastaliqUrdu-Regular'))
    assert.deepEqual(
      drawn
        .map((g) => outlineOf(g.fontFile, g.gid))
        .filter((outline) => outline !== '')
        .slice(0, 3),
      urdu.glyphs
        .map((g) => outlineIn(urdu.font, g.gid))
        .filter((outline) => outline !== '')
        .slice(0, 3),
      'the leftmost glyphs are the end of "عمران", as HarfBuzz shapes it right to left'
    )
  })

  test('bold Indic text is shaped with the bold font', async ({ assert }) => {
    await assertDrawnLikeHarfBuzz(assert, 'noto-sans-devanagari', 'अनन्या गुप्ता', true)
    await assertDrawnLikeHarfBuzz(assert, 'noto-sans-tamil', 'தமிழ்செல்வி முருகன்', true)
  })

  test('an Indic name in a Latin family falls back to the script’s font and is still shaped', async ({
    assert,
  }) => {
    const { pdf } = await renderOne(
      [field({ key: 'recipient_name', type: 'text', fontFamily: 'noto-serif' })],
      { recipient_name: 'सौरभ Gupta' }
    )
    const { glyphs } = await inspectPage(pdf)
    const fonts = [...new Set(glyphs.map((g) => g.baseFont.split('+')[1]))]
    assert.deepEqual(fonts, ['NotoSansDevanagari-Regular', 'NotoSerif-Regular'])
    const devanagari = harfbuzzShape('noto-sans-devanagari', 'सौरभ ')
    const drawn = glyphs.filter((g) => g.baseFont.endsWith('NotoSansDevanagari-Regular'))
    assert.deepEqual(
      drawn.map((g) => outlineOf(g.fontFile, g.gid)),
      devanagari.glyphs.map((g) => outlineIn(devanagari.font, g.gid))
    )
  })
})

test.group('Renderer: text comes back out of the PDF', () => {
  for (const { family, text } of INDIC_NAMES) {
    test(`pdf.js extracts "${text}" (${family}) through the ToUnicode map`, async ({ assert }) => {
      const { pdf } = await renderOne(
        [field({ key: 'recipient_name', type: 'text', fontFamily: family })],
        { recipient_name: text }
      )
      const extracted = await extractText(pdf)
      assert.equal(extracted.normalize('NFC'), text)
    })
  }

  for (const { family, text } of OTHER_NAMES) {
    test(`pdftotext extracts "${text}" (${family}) in reading order`, async ({ assert }) => {
      const { pdf } = await renderOne(
        [
          field({ key: 'course_name', type: 'text', fontFamily: 'noto-serif', y: 40 }),
          field({ key: 'recipient_name', type: 'text', fontFamily: family, y: 140 }),
        ],
        { course_name: 'Certificate of Completion', recipient_name: text }
      )
      // Poppler marks right-to-left text with embedding controls (RLE … PDF) around it.
      const lines = pdfText(pdf)
        .replace(/[\u202a-\u202e]/g, '')
        .normalize('NFC')
        .split('\n')
      assert.include(lines, text)
    })
  }

  test('Latin ligatures and symbols extract as the letters typed', async ({ assert }) => {
    const text = SAMPLE_FOR_SCRIPT.latin
    for (const family of ['noto-sans', 'noto-serif', 'playfair-display']) {
      const { pdf } = await renderOne(
        [field({ key: 'course_name', type: 'text', fontFamily: family })],
        { course_name: text }
      )
      const extracted = await extractText(pdf)
      assert.equal(extracted.normalize('NFC'), text, family)
    }
  })

  test('every bundled font file, regular and bold, embeds as a subset whose glyphs match the original', async ({
    assert,
  }) => {
    for (const family of FONT_FAMILIES) {
      const text =
        family.script === 'latin'
          ? 'Certificate of Excellence 2026'
          : [...INDIC_NAMES, ...OTHER_NAMES].find((n) => n.family === family.key)!.text
      for (const bold of family.bold ? [false, true] : [false]) {
        await assertDrawnLikeHarfBuzz(assert, family.key, text, bold)
      }
    }
  })

  test('every bundled font ships with its licence', async ({ assert }) => {
    for (const family of FONT_FAMILIES) {
      assert.isTrue(existsSync(fontFilePath(family.regular)), family.regular)
      const licence = readFileSync(fontLicensePath(family), 'utf8')
      assert.include(licence, 'SIL Open Font License', family.key)
    }
  })
})

test.group('Renderer: layout', () => {
  test('auto-fit shrinks a long name to the box, never below the minimum size', async ({
    assert,
  }) => {
    const long = 'Venkata Lakshmi Narasimha Satyanarayana Murthy Chakravarthi'
    const fit = field({
      key: 'recipient_name',
      type: 'text',
      width: 300,
      fontSize: 32,
      autoFit: true,
      minFontSize: 6,
    })
    const { prepared } = await renderOne([fit], { recipient_name: long })
    const [measure] = prepared.measure({ recipient_name: long })
    assert.isBelow(measure.fontSize, 32)
    assert.isFalse(measure.overflow)

    const tooSmall = { ...fit, minFontSize: 20 }
    const second = await renderOne([tooSmall], { recipient_name: long })
    const [overflowing] = second.prepared.measure({ recipient_name: long })
    assert.equal(overflowing.fontSize, 20)
    assert.isTrue(overflowing.overflow)
  })

  test('alignment places the text inside its box: left edge, centre, right edge', async ({
    assert,
  }) => {
    const row = { recipient_name: 'Ananya Gupta' }
    for (const align of ['left', 'center', 'right'] as const) {
      const box = field({ key: 'recipient_name', type: 'text', align, x: 100, width: 400 })
      const { pdf } = await renderOne([box], row)
      const { glyphs } = await inspectPage(pdf)
      const reference = harfbuzzShape('noto-sans', row.recipient_name)
      const width = (reference.advance * box.fontSize) / reference.upem
      const expectedStart =
        align === 'left' ? 100 : align === 'center' ? 100 + (400 - width) / 2 : 500 - width
      assert.closeTo(glyphs[0].x, expectedStart, 0.05, align)
    }
  })

  test('a date field is written in its date format', async ({ assert }) => {
    const { pdf } = await renderOne(
      [field({ key: 'issue_date', type: 'date', dateFormat: 'dd/MM/yyyy' })],
      { issue_date: '2026-03-05' }
    )
    assert.equal(await extractText(pdf), '05/03/2026')
  })

  test('a row the template was not prepared for is refused instead of drawn with missing glyphs', async ({
    assert,
  }) => {
    const { prepared } = await renderOne([field({ key: 'recipient_name', type: 'text' })], {
      recipient_name: 'Ann',
    })
    assert.throws(() => prepared.render({ recipient_name: 'Zoë' }), GlyphsNotPreparedError as any)
  })
})

test.group('Renderer: QR codes and output', () => {
  test('a QR field is vector, error-correction M, with a four-module quiet zone, and decodes to the URL', async ({
    assert,
  }) => {
    const url = 'https://verify.authentix.example/v/Xq3u9wT0aBcDeFgHiJkLmNoPqRsTuVwX?src=qr'
    const qrField = field({
      key: 'verification_url',
      type: 'qrcode',
      x: 600,
      y: 380,
      width: 150,
      height: 150,
    })
    const { pdf, snapshot } = await renderOne([qrField], { verification_url: url })
    const { rects, text } = await inspectPage(pdf)
    assert.lengthOf(
      text.match(/ Do\b/g) ?? [],
      1,
      'the page background is the only XObject drawn: the QR code is paths'
    )

    const [white, ...dark] = rects.filter((r) => r.x >= 599 && r.y >= snapshot.pageHeight - 531)
    assert.deepEqual(white.color, [1, 1, 1])
    assert.closeTo(white.width, 150, 0.01)
    const module = Math.min(...dark.map((r) => r.height))
    const size = QRCode.create(url, { errorCorrectionLevel: 'M' }).modules.size
    assert.closeTo(150 / module, size + 2 * QUIET_ZONE, 0.01)
    for (const r of dark) {
      assert.isAtLeast(r.x, white.x + QUIET_ZONE * module - 0.01)
      assert.isAtMost(r.x + r.width, white.x + white.width - QUIET_ZONE * module + 0.01)
      assert.isAtLeast(r.y, white.y + QUIET_ZONE * module - 0.01)
    }
    // Module for module what another encoder (the qrcode package) makes of the URL as one byte
    // segment at level M with our mask.
    const drawn = new Set<string>()
    const left = white.x + QUIET_ZONE * module
    const top = white.y + white.height - QUIET_ZONE * module
    for (const r of dark) {
      const col = Math.round((r.x - left) / module)
      const row = Math.round((top - (r.y + r.height)) / module)
      for (let dy = 0; dy < Math.round(r.height / module); dy++)
        for (let dx = 0; dx < Math.round(r.width / module); dx++)
          drawn.add(`${row + dy},${col + dx}`)
    }
    const reference = QRCode.create([{ data: Buffer.from(url, 'utf8'), mode: 'byte' }], {
      errorCorrectionLevel: 'M',
      maskPattern: 2,
    }).modules
    const expected = new Set<string>()
    for (let row = 0; row < reference.size; row++)
      for (let col = 0; col < reference.size; col++)
        if (reference.data[row * reference.size + col]) expected.add(`${row},${col}`)
    assert.deepEqual([...drawn].sort(), [...expected].sort())

    const png = await rasterizePage(pdf, { width: 1400, format: 'png' })
    const decoded = await decodeQr(png.bytes)
    assert.equal(decoded?.data, url)
  })

  test('certificates share the prepared bytes and add only their own content', async ({
    assert,
  }) => {
    const fields = [
      field({ key: 'recipient_name', type: 'text', fontFamily: 'noto-serif', align: 'center' }),
      field({ key: 'course_name', type: 'text', y: 200, fontSize: 18 }),
      field({ key: 'verification_url', type: 'qrcode', x: 650, y: 400, width: 120, height: 120 }),
    ]
    const rows = [
      {
        recipient_name: 'अनन्या गुप्ता',
        course_name: 'Data Science',
        verification_url: 'http://localhost/v/one',
      },
      {
        recipient_name: 'Rahul Sharma',
        course_name: 'Cloud Computing',
        verification_url: 'http://localhost/v/two',
      },
    ]
    const prepared = await PreparedTemplate.prepare(await snapshotWith(fields), rows)
    const [first, second] = rows.map((row) => prepared.render(row))
    for (const pdf of [first, second]) {
      assert.deepEqual(pdf.subarray(0, prepared.baseBytes.length), prepared.baseBytes)
      assert.isBelow(pdf.length - prepared.baseBytes.length, 10 * 1024)
      assert.deepEqual(await activeContentKeys(pdf), [])
    }
    assert.equal(await extractText(first), 'अनन्या गुप्ताData Science')
    assert.equal(await extractText(second), 'Rahul SharmaCloud Computing')
    assert.deepEqual(prepared.render(rows[1]), second, 'rendering is deterministic')
  })
})
