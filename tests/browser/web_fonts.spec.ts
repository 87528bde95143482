import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import * as hb from 'harfbuzzjs'
import type { Page } from 'playwright-core'
import type Organization from '#orgs/models/organization'
import CreateGenerationJob from '#certificates/actions/create_generation_job'
import Certificate from '#certificates/models/certificate'
import { pageProblems, visit } from '#tests/helpers/browser'
import { givenOrg } from '#tests/helpers/given'
import { NAME_AND_QR, givenTemplate } from '#tests/helpers/given_templates'
import { givenImport } from '#tests/helpers/imports'
import { recipientsCsv, runJobs } from '#tests/helpers/certificates'
import { tokenOf } from '#tests/helpers/verification'

/*
| This machine's Chromium has no Indic system fonts (only DejaVu), like the
| phones and desktops the issue was seen on: an Indic name is drawn only if
| the page brings its font. Each verification page must fetch the faces of
| its recipient's script and no other, and draw the name with them.
*/

const root = fileURLToPath(new URL('../../', import.meta.url))

/** A name in a script, the face a page draws it with, and the bundled font (folder, file) the PDF does. */
const RECIPIENTS = [
  { script: 'devanagari', family: 'Authentix Devanagari', name: 'श्रीकृष्ण क्षत्रिय' },
  { script: 'tamil', family: 'Authentix Tamil', name: 'கௌசல்யா ஸ்ரீநிவாசன்' },
  { script: 'bengali', family: 'Authentix Bengali', name: 'সৌমিত্র চট্টোপাধ্যায়' },
  { script: 'ol-chiki', family: 'Authentix Ol Chiki', name: 'ᱥᱟᱱᱛᱟᱲᱤ ᱢᱟᱨᱰᱤ' },
  { script: 'meetei-mayek', family: 'Authentix Meetei Mayek', name: 'ꯃꯅꯤꯄꯨꯔ ꯁꯤꯡꯍ' },
].map((recipient) => ({
  ...recipient,
  dir: `noto-sans-${recipient.script}`,
  file: `NotoSans${recipient.script.replace(/(^|-)([a-z])/g, (_, _dash, letter) => letter.toUpperCase())}`,
}))
// Urdu, right to left, in Nastaliq as on the certificate.
RECIPIENTS.push({
  script: 'urdu',
  family: 'Authentix Nastaliq',
  name: 'محمد عمران',
  dir: 'noto-nastaliq-urdu',
  file: 'NotoNastaliqUrdu',
})

/** Certificates issued for real (rendered with the bundled fonts) to `names`, in that order. */
async function givenIssuedTo(org: Organization, names: string[]) {
  const { template } = await givenTemplate(org, { fields: NAME_AND_QR })
  const list = await givenImport(
    org,
    recipientsCsv(names.length, {
      row: (i) => `${names[i - 1]},learner${i}@example.com,Data Science`,
    })
  )
  const result = await CreateGenerationJob.handle({
    org,
    templateIds: [template.id],
    importId: list.id,
    issueDate: '2026-03-15',
    expiry: { mode: 'none' },
    start: true,
    actorUserId: null,
  })
  if (result.kind !== 'created') throw new Error(`job not created: ${result.kind}`)
  await runJobs(result.job.id)
  const certificates = await Certificate.query()
    .where('generation_job_id', result.job.id)
    .orderBy('sequence_number', 'asc')
  if (certificates.some((c, i) => c.status !== 'issued' || c.recipientName !== names[i]))
    throw new Error('the job did not issue one certificate per name')
  return certificates
}

/** The width HarfBuzz gives `word` in the bundled bold face of a recipient's script (what the PDF draws), in px. */
async function shapedWidth(
  recipient: (typeof RECIPIENTS)[number],
  word: string,
  fontSizePx: number
) {
  const path = join(root, 'resources/fonts', recipient.dir, `${recipient.file}_700Bold.ttf`)
  const face = new hb.Face(new hb.Blob(await readFile(path)))
  const font = new hb.Font(face)
  const buffer = new hb.Buffer()
  buffer.addText(word)
  buffer.guessSegmentProperties()
  hb.shape(font, buffer)
  const advance = buffer.getGlyphPositions().reduce((sum, glyph) => sum + glyph.xAdvance, 0)
  return (advance / face.upem) * fontSizePx
}

/**
 * The recipient's name on the page, as drawn: its font size, and the width of
 * each word (a Range over the text: spaces come from the system font), as it
 * is and again with the Authentix faces taken out of the font stack.
 */
async function drawnName(page: Page) {
  return page.locator('.verify-recipient bdi').evaluate((bdi: any) => {
    const text = bdi.firstChild
    const words: { word: string; start: number }[] = []
    for (const match of (text.data as string).matchAll(/\S+/g))
      words.push({ word: match[0], start: match.index! })
    const widths = () =>
      words.map(({ word, start }) => {
        const range = bdi.ownerDocument.createRange()
        range.setStart(text, start)
        range.setEnd(text, start + word.length)
        return range.getBoundingClientRect().width
      })
    const style = bdi.ownerDocument.defaultView.getComputedStyle(bdi)
    const drawn = widths()
    // CSSOM, not a style attribute: the page's CSP forbids inline styles.
    bdi.style.fontFamily = style.fontFamily.replace(/"Authentix [A-Za-z ]+",\s*/g, '')
    const withoutOurFonts = widths()
    bdi.style.fontFamily = ''
    return {
      fontSizePx: Number.parseFloat(style.fontSize),
      words: words.map(({ word }) => word),
      drawn,
      withoutOurFonts,
    }
  })
}

/** The fonts Chromium itself reports drawing the name with (DevTools' "Rendered Fonts"). */
async function renderedFonts(page: Page) {
  const session = await page.context().newCDPSession(page)
  await session.send('DOM.enable')
  await session.send('CSS.enable')
  const { root: document } = await session.send('DOM.getDocument')
  const { nodeId } = await session.send('DOM.querySelector', {
    nodeId: document.nodeId,
    selector: '.verify-recipient bdi',
  })
  const { fonts } = await session.send('CSS.getPlatformFontsForNode', { nodeId })
  await session.detach()
  return fonts
}

test.group('Web fonts in the browser', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('a page with only Latin text fetches no web font', async ({ assert, cleanup }) => {
    const { page } = await visit('about:blank', cleanup)
    const fontRequests: string[] = []
    page.on('request', (request) => {
      if (request.url().endsWith('.woff2')) fontRequests.push(request.url())
    })
    await page.goto('/login')
    await page.evaluate(() => (globalThis as any).document.fonts.ready)
    assert.isTrue(await page.getByRole('button', { name: 'Log in' }).isVisible())
    assert.deepEqual(fontRequests, [])
    assert.deepEqual(pageProblems(page), [])
  })

  test('a verification page fetches only the faces of its recipient’s script and draws the name with them, as on the certificate', async ({
    assert,
    cleanup,
  }) => {
    const { org } = await givenOrg({ name: 'Bharatiya Vidya Kendra' })
    const certificates = await givenIssuedTo(
      org,
      RECIPIENTS.map((recipient) => recipient.name)
    )
    for (const [index, recipient] of RECIPIENTS.entries()) {
      const { script, family, name } = recipient
      // A phone scanning the certificate's QR code: its own browser, nothing cached.
      const { page } = await visit('about:blank', cleanup)
      const fontRequests: string[] = []
      page.on('request', (request) => {
        if (request.url().endsWith('.woff2')) fontRequests.push(new URL(request.url()).pathname)
      })
      const response = await page.goto(`/v/${tokenOf(certificates[index])}`)
      assert.equal(response?.status(), 200, script)
      await page.evaluate(() => (globalThis as any).document.fonts.ready)

      assert.equal(await page.locator('.verify-recipient bdi').innerText(), name, script)

      // Regular for the banner's sentence, bold for the name itself; no other script.
      const loaded = await page.evaluate(() =>
        Array.from((globalThis as any).document.fonts as any[])
          .filter((face) => face.status === 'loaded')
          .map((face) => `${face.family.replace(/"/g, '')} ${face.weight}`)
          .sort()
      )
      assert.deepEqual(loaded, [`${family} 400`, `${family} 700`], script)
      assert.isTrue(
        await page.evaluate(
          ([f, text]) => (globalThis as any).document.fonts.check(`700 18px "${f}"`, text),
          [family, name]
        ),
        script
      )
      assert.lengthOf(fontRequests, 2, `${script}: ${fontRequests.join(', ')}`)
      for (const path of fontRequests)
        assert.match(path, new RegExp(`^/assets/fonts/${recipient.dir}/(400|700)\\.`), script)

      // Chromium drew every glyph of the name from the web font, none from a fallback.
      const fonts = await renderedFonts(page)
      assert.isTrue(
        fonts.some((font) => font.isCustomFont && font.familyName.includes('Noto')),
        `${script}: ${JSON.stringify(fonts)}`
      )
      assert.isTrue(
        fonts.every((font) => font.isCustomFont || font.glyphCount <= 1),
        `${script}: only the space comes from a system font: ${JSON.stringify(fonts)}`
      )

      // Each word is as wide as HarfBuzz shapes it in our bundled font, conjuncts
      // and all (Chromium lays text out in 1/64 px; a subset without its layout
      // tables is 0.65 px off on the first Tamil word); without our faces the
      // same words come out as empty boxes of another width.
      const drawn = await drawnName(page)
      assert.deepEqual(drawn.words, name.split(' '), script)
      for (const [i, word] of drawn.words.entries()) {
        const expected = await shapedWidth(recipient, word, drawn.fontSizePx)
        assert.closeTo(drawn.drawn[i], expected, 0.25, `${script} "${word}"`)
        assert.isAbove(Math.abs(drawn.withoutOurFonts[i] - expected), 2, `${script} "${word}"`)
      }
      assert.deepEqual(pageProblems(page), [], script)
    }
  })
})
