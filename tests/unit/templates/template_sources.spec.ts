import { createDeflate } from 'node:zlib'
import { test } from '@japa/runner'
import { createCanvas, loadImage } from '@napi-rs/canvas'
import { PDFDocument, StandardFonts, degrees, rgb } from 'pdf-lib'
import { normaliseUpload } from '#templates/services/template_processing'
import { PreparedTemplate } from '#templates/services/prepared_template'
import { rasterizePage } from '#templates/services/rasterize'
import { activeContentKeys, type SourceKind } from '#templates/services/template_source'
import type { NormaliseUploadOutput } from '#templates/services/template_tasks'
import { field, fixture } from '#tests/helpers/templates'
import { inspectPage } from '#tests/helpers/pdf_inspect'

/**
 * Every PDF of shared/fixtures/pdf behaves as its README says, through the
 * real upload path (an isolated worker thread with time and heap limits).
 */

async function upload(bytes: Uint8Array, page = 1, kind: SourceKind = 'pdf') {
  const outcome = await normaliseUpload(bytes, kind, page)
  if (outcome.kind !== 'ok') throw new Error(`worker ended with ${outcome.kind}`)
  return outcome.value
}

function accepted(result: NormaliseUploadOutput) {
  if (result.kind !== 'ok')
    throw new Error(`expected the upload to be accepted, got ${JSON.stringify(result)}`)
  return result
}

/** Mean absolute difference per channel (0–255) between two renderings scaled to the same size. */
async function imageDifference(a: Uint8Array, b: Uint8Array) {
  const [first, second] = await Promise.all([loadImage(Buffer.from(a)), loadImage(Buffer.from(b))])
  const width = 200
  const height = Math.round((first.height / first.width) * width)
  const pixels = (image: typeof first) => {
    const canvas = createCanvas(width, height)
    const context = canvas.getContext('2d')
    context.drawImage(image, 0, 0, width, height)
    return context.getImageData(0, 0, width, height).data
  }
  const [pa, pb] = [pixels(first), pixels(second)]
  let sum = 0
  for (let i = 0; i < pa.length; i++) sum += Math.abs(pa[i] - pb[i])
  return sum / pa.length
}

/** The page as pdf.js shows the original, against the normalised source: same picture. */
async function assertLooksLikeOriginal(
  assert: any,
  original: Uint8Array,
  page: number,
  result: NormaliseUploadOutput
) {
  const ok = accepted(result)
  const before = await rasterizePage(original, { width: 400, format: 'png', pageNumber: page })
  const after = await rasterizePage(ok.source.pdf, { width: 400, format: 'png' })
  assert.closeTo(after.height / after.width, before.height / before.width, 0.01, 'same proportions')
  assert.isBelow(await imageDifference(before.bytes, after.bytes), 1.5, 'same picture')
}

const ORDINARY = [
  'alphatrans.pdf',
  'canvas.pdf',
  'basicapi.pdf',
  'mixedfonts.pdf',
  'standard_fonts.pdf',
  'cmykjpeg.pdf',
  'sizes.pdf',
]

test.group('Template sources: the PDF fixture corpus', () => {
  for (const name of ORDINARY) {
    test(`${name} is accepted, keeps its look, and carries no active content`, async ({
      assert,
    }) => {
      const original = fixture(`pdf/${name}`)
      const result = accepted(await upload(original))
      assert.equal(result.source.page, 1)
      assert.isAbove(result.background.bytes.length, 1000)
      assert.equal(result.background.width, 1600)
      assert.deepEqual(await activeContentKeys(result.source.pdf), [])
      await assertLooksLikeOriginal(assert, original, 1, result)
    }).timeout(30_000)
  }

  test('sizes.pdf: each page keeps its own size', async ({ assert }) => {
    const original = fixture('pdf/sizes.pdf')
    const pages = accepted(await upload(original)).source.pages
    for (let page = 1; page <= pages.length; page++) {
      const result = accepted(await upload(original, page))
      assert.deepEqual(
        { width: result.source.pageWidth, height: result.source.pageHeight },
        pages[page - 1]
      )
    }
    assert.isAbove(new Set(pages.map((p) => `${p.width}x${p.height}`)).size, 1)
  }).timeout(30_000)

  test('tracemonkey.pdf (14 pages): page 1 by default, any page on request, page 15 refused', async ({
    assert,
  }) => {
    const original = fixture('pdf/tracemonkey.pdf')
    const first = accepted(await upload(original))
    assert.equal(first.source.pageCount, 14)
    assert.lengthOf(first.source.pages, 14)
    const fifth = accepted(await upload(original, 5))
    assert.equal(fifth.source.page, 5)
    await assertLooksLikeOriginal(assert, original, 5, fifth)
    assert.deepEqual(await upload(original, 15), { kind: 'page_out_of_range', pageCount: 14 })
  }).timeout(30_000)

  test('hello_world_rotated.pdf and rotation.pdf: the page is stored as displayed, rotation applied', async ({
    assert,
  }) => {
    for (const [name, page] of [
      ['hello_world_rotated.pdf', 1],
      ['rotation.pdf', 2],
    ] as const) {
      const original = fixture(`pdf/${name}`)
      const result = accepted(await upload(original, page))
      assert.equal(result.source.rotation, 90, name)
      assert.isAbove(
        result.source.pageWidth,
        result.source.pageHeight,
        `${name} is landscape as displayed`
      )
      await assertLooksLikeOriginal(assert, original, page, result)
    }
  }).timeout(30_000)

  test('every rotation lands a field placed on the preview at the same spot in the certificate', async ({
    assert,
  }) => {
    for (const rotation of [0, 90, 180, 270]) {
      // A portrait page with a marker near its displayed top-left corner.
      const doc = await PDFDocument.create()
      const page = doc.addPage([400, 600])
      page.setRotation(degrees(rotation))
      const displayed = rotation % 180 === 0 ? { w: 400, h: 600 } : { w: 600, h: 400 }
      // Where the displayed point (50, 60) from the top-left is in unrotated page space.
      const [px, py] =
        rotation === 0
          ? [50, 600 - 60]
          : rotation === 90
            ? [60, 50]
            : rotation === 180
              ? [400 - 50, 60]
              : [400 - 60, 600 - 50]
      page.drawCircle({ x: px, y: py, size: 6, color: rgb(1, 0, 0) })
      const result = accepted(await upload(await doc.save()))
      assert.deepEqual(
        [result.source.pageWidth, result.source.pageHeight],
        [displayed.w, displayed.h],
        `rotation ${rotation}`
      )

      // The marker is at the same displayed place in the normalised source.
      const image = await rasterizePage(result.source.pdf, { width: displayed.w, format: 'png' })
      const picture = await loadImage(Buffer.from(image.bytes))
      const canvas = createCanvas(picture.width, picture.height)
      canvas.getContext('2d').drawImage(picture, 0, 0)
      const [r, g, b] = canvas.getContext('2d').getImageData(50, 60, 1, 1).data
      assert.deepEqual(
        [r > 200, g < 80, b < 80],
        [true, true, true],
        `marker at the displayed spot for rotation ${rotation}`
      )

      // A field placed there by the designer is drawn there.
      const fields = [
        field({ key: 'recipient_name', type: 'text', x: 50, y: 60, width: 200, height: 30 }),
      ]
      const snapshot = {
        sourcePdf: result.source.pdf,
        pageWidth: displayed.w,
        pageHeight: displayed.h,
        fields,
        images: {},
      }
      const prepared = await PreparedTemplate.prepare(snapshot, [{ recipient_name: 'Ravi' }])
      const { glyphs } = await inspectPage(prepared.render({ recipient_name: 'Ravi' }))
      assert.closeTo(glyphs[0].x, 50, 0.5, `rotation ${rotation}: x from the left`)
      assert.isTrue(
        glyphs[0].y < displayed.h - 60 && glyphs[0].y > displayed.h - 90,
        `rotation ${rotation}: baseline inside the box`
      )
    }
  }).timeout(60_000)

  test('annotation-tx.pdf: accepted without its form fields, annotations or actions', async ({
    assert,
  }) => {
    const original = fixture('pdf/annotation-tx.pdf')
    assert.includeMembers(await activeContentKeys(original), ['AcroForm', 'Annots'])
    const result = accepted(await upload(original))
    assert.deepEqual(await activeContentKeys(result.source.pdf), [])
    const prepared = await PreparedTemplate.prepare(
      {
        sourcePdf: result.source.pdf,
        pageWidth: result.source.pageWidth,
        pageHeight: result.source.pageHeight,
        fields: [field({ key: 'recipient_name', type: 'text' })],
        images: {},
      },
      [{ recipient_name: 'Ravi' }]
    )
    assert.deepEqual(
      await activeContentKeys(prepared.render({ recipient_name: 'Ravi' })),
      [],
      'the certificate carries none either'
    )
  }).timeout(30_000)

  test('empty.pdf is accepted as a blank page', async ({ assert }) => {
    const result = accepted(await upload(fixture('pdf/empty.pdf')))
    assert.deepEqual([result.source.pageWidth, result.source.pageHeight], [612, 792])
  }).timeout(30_000)

  test('empty_protected.pdf is refused as password-protected', async ({ assert }) => {
    assert.deepEqual(await upload(fixture('pdf/empty_protected.pdf')), { kind: 'encrypted' })
  }).timeout(30_000)

  test('helloworld-bad.pdf and xref_command_missing.pdf are repaired and accepted', async ({
    assert,
  }) => {
    for (const name of ['helloworld-bad.pdf', 'xref_command_missing.pdf']) {
      const original = fixture(`pdf/${name}`)
      const result = accepted(await upload(original))
      assert.isAbove(result.source.pageWidth, 0, name)
      await assertLooksLikeOriginal(assert, original, 1, result)
    }
  }).timeout(30_000)

  test('bomb_giant.pdf is refused quickly with a reason', async ({ assert }) => {
    const started = Date.now()
    const result = await upload(fixture('pdf/bomb_giant.pdf'))
    assert.equal(result.kind, 'unreadable')
    assert.include((result as { reason: string }).reason, 'JBIG2')
    assert.isBelow(Date.now() - started, 10_000)
  }).timeout(30_000)

  test('a Flate bomb (1 GB of content in 1 MB) stops at the decode limit with bounded memory', async ({
    assert,
  }) => {
    const zeros = Buffer.alloc(16 * 1024 * 1024, 0x20)
    const parts: Buffer[] = []
    await new Promise<void>((resolve) => {
      const deflate = createDeflate({ level: 9 })
      deflate.on('data', (chunk) => parts.push(chunk))
      deflate.on('end', () => resolve())
      for (let i = 0; i < 64; i++) deflate.write(zeros)
      deflate.end()
    })
    const stream = Buffer.concat(parts)
    const head = `%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >> endobj\n4 0 obj << /Length ${stream.length} /Filter /FlateDecode >>\nstream\n`
    const bomb = Buffer.concat([
      Buffer.from(head),
      stream,
      Buffer.from('\nendstream\nendobj\ntrailer << /Root 1 0 R /Size 5 >>\n%%EOF\n'),
    ])
    const before = process.memoryUsage().rss
    let peak = before
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20)
    const started = Date.now()
    const result = await upload(new Uint8Array(bomb))
    clearInterval(sampler)
    assert.equal(result.kind, 'unreadable')
    assert.include((result as { reason: string }).reason, 'decodes to more than')
    assert.isBelow(Date.now() - started, 10_000)
    assert.isBelow((peak - before) / 1024 / 1024, 300, 'memory growth of the process, MB')
  }).timeout(30_000)

  test('a PNG and a JPEG become one-page templates at a sensible size', async ({ assert }) => {
    const canvas = createCanvas(3508, 2480)
    const context = canvas.getContext('2d')
    context.fillStyle = '#fdf6e3'
    context.fillRect(0, 0, 3508, 2480)
    context.fillStyle = '#b58900'
    context.fillRect(100, 100, 3308, 40)
    for (const [kind, bytes] of [
      ['png', canvas.toBuffer('image/png')],
      ['jpeg', canvas.toBuffer('image/jpeg', 85)],
    ] as const) {
      const result = accepted(await upload(new Uint8Array(bytes), 1, kind))
      // No resolution in the file: the long side becomes A4's.
      assert.closeTo(result.source.pageWidth, 841.89, 0.01, kind)
      assert.closeTo(result.source.pageHeight, (2480 / 3508) * 841.89, 0.02, kind)
    }
  }).timeout(30_000)

  test('a PDF made of standard fonts draws the same after normalising', async ({ assert }) => {
    const doc = await PDFDocument.create()
    const font = await doc.embedFont(StandardFonts.TimesRomanBold)
    doc
      .addPage([842, 595])
      .drawText('Certificate of Completion', { x: 200, y: 450, size: 36, font })
    const original = await doc.save()
    await assertLooksLikeOriginal(assert, original, 1, await upload(original))
  }).timeout(30_000)
})
