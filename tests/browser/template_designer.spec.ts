import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { tmpdir } from 'node:os'
import { randomUUID } from 'node:crypto'
import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import type { Dialog, Page } from 'playwright-core'
import CertificateTemplate from '#templates/models/certificate_template'
import CertificateTemplateVersion from '#templates/models/certificate_template_version'
import { pageProblems, visit } from '#tests/helpers/browser'
import { logInThroughForm } from '#tests/helpers/browser_login'
import { givenOrg } from '#tests/helpers/given'
import {
  NAME_AND_QR,
  designPdf,
  givenBrandingAsset,
  givenTemplate,
} from '#tests/helpers/given_templates'
import { NAME_COURSE_NUMBER_QR } from '#tests/helpers/certificates'
import { inspectPage } from '#tests/helpers/pdf_inspect'
import { decodeQr } from '#tests/helpers/qr'
import { extractText, rasterizePage } from '#templates/services/rasterize'

/** Drags a palette button onto the page at a fraction of its width and height. */
async function dragOntoPage(page: Page, type: string, fx: number, fy: number) {
  const source = (await page.locator(`[data-add="${type}"]`).boundingBox())!
  const stage = (await page.locator('#designer-stage').boundingBox())!
  await page.mouse.move(source.x + source.width / 2, source.y + source.height / 2)
  await page.mouse.down()
  await page.mouse.move(stage.x + stage.width * fx, stage.y + stage.height * fy, { steps: 12 })
  await page.mouse.up()
}

/** Drags a placed field by some pixels. */
async function dragField(page: Page, key: string, dx: number, dy: number) {
  const box = (await page.locator(`.designer-field[data-key="${key}"]`).boundingBox())!
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2)
  await page.mouse.down()
  await page.mouse.move(box.x + box.width / 2 + dx, box.y + box.height / 2 + dy, { steps: 10 })
  await page.mouse.up()
}

/** Fills the new-template form with a generated design and waits for the designer. */
async function uploadDesign(page: Page, name: string) {
  const file = join(tmpdir(), `design-${randomUUID()}.pdf`)
  await writeFile(file, await designPdf())
  await page.getByLabel('Template name').fill(name)
  await page.getByLabel('Design file').setInputFiles(file)
  await page.getByRole('button', { name: 'Upload and continue' }).click()
  await page.waitForURL('**/edit')
  await page
    .locator('#designer-background')
    .evaluate((img: any) =>
      img.complete ? null : new Promise((r) => img.addEventListener('load', r))
    )
}

/** Signed in as `email`, on the templates list reached from the sidebar, in a desktop-sized window. */
async function onTemplatesList(email: string, cleanup: (fn: () => Promise<void>) => void) {
  const { page } = await visit('/login', cleanup)
  await page.setViewportSize({ width: 1440, height: 1000 })
  await logInThroughForm(page, email)
  await page
    .getByRole('navigation', { name: 'Main' })
    .getByRole('link', { name: 'Templates' })
    .click()
  await page.waitForURL('**/templates')
  return page
}

/** Signed in as `email`, on the new-template form reached from the templates list. */
async function onNewTemplateForm(email: string, cleanup: (fn: () => Promise<void>) => void) {
  const page = await onTemplatesList(email, cleanup)
  await page.getByRole('link', { name: 'New template' }).click()
  await page.waitForURL('**/templates/new')
  return page
}

/** Marks the window; `sameDocument` then says whether navigations since were htmx swaps. */
async function markDocument(page: Page) {
  await page.evaluate(() => ((globalThis as any).designerTestMark = true))
}
async function sameDocument(page: Page) {
  return page.evaluate(() => (globalThis as any).designerTestMark === true)
}

/** The field list of the designer's panel, as the user reads it. */
async function fieldList(page: Page) {
  await page.locator('#field-list li').first().waitFor({ timeout: 10_000 })
  const texts = await page.locator('#field-list li').allInnerTexts()
  return texts.map((text) => text.trim())
}

/** The selected field's box as the properties panel shows it, in points. */
async function panelBox(page: Page) {
  const value = async (id: string) => Number(await page.locator(id).inputValue())
  return {
    x: await value('#prop-x'),
    y: await value('#prop-y'),
    width: await value('#prop-width'),
    height: await value('#prop-height'),
  }
}

test.group('Template designer in the browser', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('upload a PDF, drag a name and a QR code into place, save, and the downloaded preview draws them exactly there', async ({
    assert,
    cleanup,
  }) => {
    const { org, owner } = await givenOrg({ name: 'Designer Academy' })
    const { page } = await visit('/login', cleanup)
    await page.setViewportSize({ width: 1440, height: 1000 })
    await logInThroughForm(page, owner.email)
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Templates' })
      .click()
    await page.getByRole('link', { name: 'New template' }).click()
    await uploadDesign(page, 'Course completion 2026')
    assert.include(
      await page.locator('#flash').innerText(),
      'Template “Course completion 2026” created'
    )

    // A name field, dropped on the page and then dragged a little further.
    await dragOntoPage(page, 'text', 0.5, 0.45)
    await page.locator('.designer-field[data-key="recipient_name"]').waitFor()
    await dragField(page, 'recipient_name', 30, 40)
    await page.getByLabel('Font').selectOption('noto-serif')
    const name = await panelBox(page)

    // A QR code near the bottom right corner.
    await dragOntoPage(page, 'qrcode', 0.82, 0.75)
    await page.locator('.designer-field[data-key="verification_url"]').waitFor()
    const qr = await panelBox(page)
    assert.equal(qr.width, qr.height, 'QR boxes are square')

    await page.locator('#designer-dirty').waitFor()
    await page.getByRole('button', { name: 'Save as version 2' }).click()
    await page.getByText('Saved as version 2.').waitFor()

    // What was saved is what the panel showed.
    const template = await CertificateTemplate.query()
      .where('organization_id', org.id)
      .firstOrFail()
    const version = await CertificateTemplateVersion.query()
      .where('id', template.currentVersionId!)
      .preload('fields')
      .firstOrFail()
    const saved = Object.fromEntries(version.fields.map((f) => [f.fieldKey, f.config]))
    assert.deepInclude(saved.recipient_name, { ...name, font_family: 'noto-serif' })
    assert.deepInclude(saved.verification_url, qr)

    // The preview PDF the user downloads, with a name typed in.
    await page.getByLabel('Recipient name', { exact: true }).fill('अनन्या गुप्ता')
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download sample PDF' }).click(),
    ])
    const pdf = new Uint8Array(await readFile((await download.path())!))
    assert.equal(await extractText(pdf), 'Certificate of Completionअनन्या गुप्ता')

    const { glyphs, rects, pageHeight } = await inspectPage(pdf)
    // The name is centred in its box (within 1 pt) and sits inside it.
    const size = glyphs[0].fontSize
    const left = glyphs[0].x
    const last = glyphs.at(-1)!
    const right = last.x + (last.width / 1000) * size
    assert.closeTo((left + right) / 2, name.x + name.width / 2, 1)
    const baselineFromTop = pageHeight - glyphs[0].y
    assert.isAbove(baselineFromTop, name.y)
    assert.isBelow(baselineFromTop, name.y + name.height)
    // The QR code's white square is exactly the box (within 1 pt).
    const square = rects.find(
      (r) => r.color.join() === '1,1,1' && Math.abs(r.width - qr.width) < 1
    )!
    assert.closeTo(square.x, qr.x, 1)
    assert.closeTo(pageHeight - (square.y + square.height), qr.y, 1)
    assert.closeTo(square.width, qr.width, 1)

    // And a phone reads it.
    const png = await rasterizePage(pdf, { width: 1600, format: 'png' })
    const decoded = await decodeQr(png.bytes)
    assert.match(decoded?.data ?? '', /\/v\/sample-preview-not-a-certificate$/)

    // The on-screen preview draws too.
    await page.getByRole('button', { name: 'Draw preview' }).click()
    await page.locator('#preview-image:not([hidden])').waitFor()
    assert.isAbove(
      await page.locator('#preview-image').evaluate((img: any) => img.naturalWidth),
      1000
    )

    assert.deepEqual(pageProblems(page), [])
  }).timeout(120_000)

  test('Design fields on the templates list opens the designer with the version’s fields; an edit saves as the next version; going back mounts it once', async ({
    assert,
    cleanup,
  }) => {
    const { org, owner } = await givenOrg()
    const { template } = await givenTemplate(org, {
      name: 'Data Science completion',
      fields: NAME_COURSE_NUMBER_QR,
    })
    const page = await onTemplatesList(owner.email, cleanup)
    await markDocument(page)
    await page
      .locator(`[data-template-id="${template.id}"]`)
      .getByRole('link', { name: 'Design fields' })
      .click()
    await page.waitForURL(`**/templates/${template.id}/edit`)
    assert.isTrue(await sameDocument(page), 'a boosted navigation, as a user’s click is')

    const expected = [
      'Recipient name — text',
      'Verification URL — qrcode',
      'Course name — text',
      'Certificate number — text',
      'Issue date — date',
    ]
    assert.deepEqual(await fieldList(page), expected)
    assert.equal(await page.locator('.designer-field').count(), 5)
    assert.isFalse(await page.locator('#field-empty').isVisible(), 'no “No fields yet”')
    assert.isFalse(await page.locator('#designer-remove-all').isVisible())

    // Move the course name 1 pt right and 10 pt down with the keyboard, then save.
    await page.getByRole('button', { name: 'Course name — text' }).click()
    const before = await panelBox(page)
    await page.locator('.designer-field[data-key="course_name"]').focus()
    await page.keyboard.press('ArrowRight')
    await page.keyboard.press('Shift+ArrowDown')
    assert.deepEqual(await panelBox(page), { ...before, x: before.x + 1, y: before.y + 10 })

    // Leaving by a link with unsaved changes asks first.
    const dialogs: string[] = []
    page.once('dialog', (dialog) => {
      dialogs.push(dialog.message())
      return dialog.dismiss()
    })
    await page.locator('.breadcrumb').getByRole('link', { name: 'Templates' }).click()
    assert.deepEqual(dialogs, ['Leave the designer? Your unsaved changes will be lost.'])
    assert.match(page.url(), /\/edit$/, 'still in the designer')

    await page.getByRole('button', { name: 'Save as version 3' }).click()
    await page.getByText('Saved as version 3.').waitFor()
    const version = await CertificateTemplateVersion.query()
      .where('template_id', template.id)
      .where('version_number', 3)
      .preload('fields', (fields) => fields.orderBy('sort_order', 'asc'))
      .firstOrFail()
    assert.deepEqual(
      version.fields.map((f) => f.fieldKey),
      ['recipient_name', 'verification_url', 'course_name', 'certificate_number', 'issue_date']
    )
    const course = version.fields.find((f) => f.fieldKey === 'course_name')!.config
    assert.deepInclude(course, { x: before.x + 1, y: before.y + 10 })

    // Away by the sidebar and back with the browser's buttons: the designer is mounted once,
    // so one arrow press moves a field by exactly 1 pt.
    await markDocument(page)
    const sidebar = page.getByRole('navigation', { name: 'Main' })
    await sidebar.getByRole('link', { name: 'Templates' }).click()
    await page.waitForURL('**/templates')
    for (const round of [1, 2]) {
      await page.goBack()
      await page.waitForURL(`**/templates/${template.id}/edit`)
      assert.isTrue(await sameDocument(page), `history restore ${round} is an htmx swap`)
      assert.deepEqual(await fieldList(page), expected)
      await page.getByRole('button', { name: 'Issue date — date' }).click()
      const start = await panelBox(page)
      await page.locator('.designer-field[data-key="issue_date"]').focus()
      await page.keyboard.press('ArrowLeft')
      const moved = await panelBox(page)
      assert.equal(moved.x, start.x - 1, `one listener after restore ${round}`)
      // Leaving with that change asks once: a designer left earlier listens no more.
      const asked: string[] = []
      const accept = (dialog: Dialog) => {
        asked.push(dialog.message())
        return dialog.accept()
      }
      page.on('dialog', accept)
      await sidebar.getByRole('link', { name: 'Templates' }).click()
      await page.waitForURL('**/templates')
      page.off('dialog', accept)
      assert.lengthOf(asked, 1, `one question after restore ${round}`)
    }
    assert.deepEqual(pageProblems(page), [])
  }).timeout(90_000)

  test('removing every field of a version must be ticked before it saves', async ({
    assert,
    cleanup,
  }) => {
    const { org, owner } = await givenOrg()
    const { template } = await givenTemplate(org, { name: 'Two fields', fields: NAME_AND_QR })
    const page = await onTemplatesList(owner.email, cleanup)
    await page
      .locator(`[data-template-id="${template.id}"]`)
      .getByRole('link', { name: 'Details' })
      .click()
    await page.waitForURL(`**/templates/${template.id}`)
    await page.getByRole('link', { name: 'Design fields' }).click()
    await page.waitForURL(`**/templates/${template.id}/edit`)
    assert.lengthOf(await fieldList(page), 2)

    for (let i = 0; i < 2; i++) await page.getByRole('button', { name: 'Remove field' }).click()
    assert.equal(await page.locator('.designer-field').count(), 0)
    const tick = page.getByLabel('Remove every field')
    const tickLabel = await tick.locator('xpath=..').innerText()
    assert.equal(tickLabel.trim(), 'Remove every field: version 2 has 2, version 3 will have none')

    // Unticked, the browser holds the form back and nothing is saved.
    await page.getByRole('button', { name: 'Save as version 3' }).click()
    assert.isTrue(await tick.evaluate((input: any) => input.validity.valueMissing))
    await template.refresh()
    assert.equal(template.currentVersionNumber, 2)

    await tick.check()
    await page.getByRole('button', { name: 'Save as version 3' }).click()
    await page.getByText('Saved as version 3.').waitFor()
    const version = await CertificateTemplateVersion.query()
      .where('template_id', template.id)
      .where('version_number', 3)
      .preload('fields')
      .firstOrFail()
    assert.lengthOf(version.fields, 0)
    assert.isTrue(await page.locator('#field-empty').isVisible())
    assert.equal(await page.locator('#designer-remove-all').count(), 0, 'nothing left to remove')
    assert.deepEqual(pageProblems(page), [])
  }).timeout(60_000)

  test('keyboard nudging moves the selected field by points and Delete removes it', async ({
    assert,
    cleanup,
  }) => {
    const { owner } = await givenOrg()
    const page = await onNewTemplateForm(owner.email, cleanup)
    await uploadDesign(page, 'Keyboard design')

    await page.getByRole('button', { name: 'Date' }).click()
    const field = page.locator('.designer-field[data-key="issue_date"]')
    await field.waitFor()
    const before = await panelBox(page)
    await field.focus()
    await page.keyboard.press('ArrowRight')
    await page.keyboard.press('Shift+ArrowDown')
    await page.keyboard.press('Alt+ArrowRight')
    const after = await panelBox(page)
    assert.deepEqual(after, {
      x: before.x + 1,
      y: before.y + 10,
      width: before.width + 1,
      height: before.height,
    })

    // Handles resize from any side: the left edge moves, the right one stays.
    const scale = (await page.locator('#designer-stage').boundingBox())!.width / 841.89
    const west = (await field.locator('[data-handle="w"]').boundingBox())!
    await page.mouse.move(west.x + west.width / 2, west.y + west.height / 2)
    await page.mouse.down()
    await page.mouse.move(west.x + west.width / 2 - 40 * scale, west.y + west.height / 2, {
      steps: 8,
    })
    await page.mouse.up()
    const widened = await panelBox(page)
    assert.closeTo(widened.x, after.x - 40, 1)
    assert.closeTo(widened.x + widened.width, after.x + after.width, 0.5)

    await field.focus()
    await page.keyboard.press('Delete')
    assert.equal(await page.locator('.designer-field').count(), 0)
    assert.deepEqual(pageProblems(page), [])
  }).timeout(60_000)

  test('a branding image added in settings is placed as an image field', async ({
    assert,
    cleanup,
  }) => {
    const { org, owner } = await givenOrg()
    await givenBrandingAsset(org, { name: 'Director signature' })
    const page = await onNewTemplateForm(owner.email, cleanup)
    await uploadDesign(page, 'Signed design')
    await dragOntoPage(page, 'image', 0.3, 0.8)
    const image = page.locator('.designer-field-image img')
    await image.waitFor()
    const width = await image.evaluate((img: any) =>
      img.complete && img.naturalWidth
        ? img.naturalWidth
        : new Promise((resolve) => img.addEventListener('load', () => resolve(img.naturalWidth)))
    )
    assert.isAbove(width as number, 100)
    await page.getByRole('button', { name: 'Save as version 2' }).click()
    await page.getByText('Saved as version 2.').waitFor()
    assert.deepEqual(pageProblems(page), [])
  }).timeout(60_000)
})
