import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { tmpdir } from 'node:os'
import { randomUUID } from 'node:crypto'
import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import imports from '#config/imports'
import FileImportJob from '#imports/models/file_import_job'
import { pageProblems, visit } from '#tests/helpers/browser'
import { logInThroughForm } from '#tests/helpers/browser_login'
import { givenOrg } from '#tests/helpers/given'
import { rowsOf, settled } from '#tests/helpers/imports'

/** A list as an LMS might export it: a name column our suggestions do not know, and one bad email. */
const LIST = [
  'Roll No,Learner,Contact Email,Programme,Completed On',
  'R-101,Asha Verma,asha.verma@example.in,Data Science with Python,15/03/2026',
  'R-102,Kabir Singh,kabir@example,Data Science with Python,15/03/2026',
  'R-103,தமிழ்செல்வி முருகன்,tamil@example.in,Data Science with Python,15-Mar-2026',
].join('\r\n')

test.group('Recipient import in the browser', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('upload a list, map the name column, fix the one bad row, and the list is ready', async ({
    assert,
    cleanup,
  }) => {
    const { org, owner } = await givenOrg({ name: 'Import Academy' })
    const file = join(tmpdir(), `learners-${randomUUID()}.csv`)
    await writeFile(file, LIST)

    const { page } = await visit('/login', cleanup)
    await page.setViewportSize({ width: 1440, height: 1000 })
    await logInThroughForm(page, owner.email)
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Recipients' })
      .click()
    await page.getByRole('link', { name: 'Add recipients' }).first().click()
    await page.getByLabel('Recipient list').setInputFiles(file)
    await page.getByRole('button', { name: 'Upload and check' }).click()
    await page.waitForURL(/\/imports\/[0-9a-f-]{36}$/)
    const job = await settled(page.url().split('/').pop()!)
    await page.locator('#import-counts').waitFor()

    // No column looked like a name: every row says so, and the mapping screen shows the columns with samples.
    assert.include(
      await page.locator('#import-rows').innerText(),
      'Recipient name is required, and no column is mapped to it.'
    )
    const nameSelect = page.locator('#mapping-recipient_name')
    assert.equal(await nameSelect.inputValue(), '')
    assert.include(
      await nameSelect.locator('option', { hasText: 'Learner' }).innerText(),
      'B · Learner — e.g. Asha Verma'
    )
    assert.equal(await page.locator('#mapping-recipient_email').inputValue(), 'Contact Email')

    await nameSelect.selectOption('Learner')
    await page.getByRole('button', { name: 'Apply and check again' }).click()
    await page
      .getByText('Mapping saved and every row checked again: 2 ready, 1 with errors.')
      .waitFor()

    // Only Kabir's row is left, its email cell marked; fix it in place.
    const badRow = page.locator('#row-3')
    assert.include(
      await badRow.innerText(),
      'Contact Email (column C): “kabir@example” is not a valid email address.'
    )
    assert.deepEqual(
      await page
        .locator('#import-rows tbody tr[data-row-index]')
        .evaluateAll((rows) => rows.map((row) => row.id)),
      ['row-3']
    )
    // The only row left to fix opens its form by itself.
    const fix = page.locator('[data-fix-row="3"]')
    assert.isTrue(await fix.isVisible())
    await fix.locator('input[data-key="recipient_email"]').fill('kabir.singh@example.in')
    await fix.getByRole('button', { name: 'Save row 3' }).click()
    await page.getByText('Row 3 fixed.').waitFor()

    await page.locator('#import-all-ready').waitFor()
    assert.equal(await page.locator('#import-all-ready').innerText(), 'All 3 recipients are ready.')
    assert.equal(await page.locator('.import-meta [data-status]').innerText(), 'Ready')
    const after = await FileImportJob.findOrFail(job.id)
    assert.deepEqual(
      [after.status, after.totalRows, after.validRows, after.errorRows],
      ['ready', 3, 3, 0]
    )
    const rows = await rowsOf(after)
    assert.deepEqual(
      rows.map((row) => [row.data.recipient_name, row.data.recipient_email, row.data.issue_date]),
      [
        ['Asha Verma', 'asha.verma@example.in', '2026-03-15'],
        ['Kabir Singh', 'kabir.singh@example.in', '2026-03-15'],
        ['தமிழ்செல்வி முருகன்', 'tamil@example.in', '2026-03-15'],
      ]
    )

    // The list of imports shows it with its counts.
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Recipients' })
      .click()
    const listed = page.locator(`#imports-table tr[data-import-id="${job.id}"]`)
    assert.include(await listed.innerText(), 'Ready')
    assert.equal(org.id, after.organizationId)
    assert.deepEqual(pageProblems(page), [])
  }).timeout(120_000)

  test('a large list shows its progress and the page updates itself when the read is done', async ({
    assert,
    cleanup,
  }) => {
    const { owner } = await givenOrg()
    // The upload answers at once instead of waiting for small files to be read.
    const wait = imports.waitForResultMs
    imports.waitForResultMs = 0
    cleanup(async () => {
      imports.waitForResultMs = wait
    })
    const lines = ['Full Name,Email Address']
    for (let i = 0; i < 60_000; i++) lines.push(`Person ${i},person${i}@example.in`)
    const file = join(tmpdir(), `big-${randomUUID()}.csv`)
    await writeFile(file, lines.join('\n'))

    const { page } = await visit('/login', cleanup)
    await logInThroughForm(page, owner.email)
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Recipients' })
      .click()
    await page.locator('#new-import').click()
    await page.waitForURL('**/imports/new')
    await page.getByLabel('Recipient list').setInputFiles(file)
    // What the upload progress bar says, recorded as it changes (the page is swapped in place, so the record survives).
    await page.evaluate(() => {
      const browser = globalThis as any
      const label = browser.document.querySelector('.upload-progress-label')
      const seen: string[] = (browser.uploadProgress = [])
      new browser.MutationObserver(() => seen.push(label.textContent ?? '')).observe(label, {
        childList: true,
        characterData: true,
        subtree: true,
      })
    })
    await page.getByRole('button', { name: 'Upload and check' }).click()
    await page.waitForURL(/\/imports\/[0-9a-f-]{36}$/)
    const id = page.url().split('/').pop()!
    const progress: string[] = await page.evaluate(() => (globalThis as any).uploadProgress)
    assert.include(progress, 'Uploaded. Reading the file…')
    assert.isTrue(
      progress.every((text) => /^Uploading… \d+%$|^Uploaded\. Reading the file…$/.test(text)),
      progress.join(' | ')
    )
    await page.locator('.import-progress progress').waitFor()
    assert.match(await page.locator('#import-progress-text').innerText(), /rows read so far/)
    // The island polls, then reloads the page once the read is done.
    await page.locator('#import-counts').waitFor({ timeout: 60_000 })
    assert.equal(await page.locator('[data-count="total"]').innerText(), '60,000')
    assert.equal(await page.locator('[data-count="valid"]').innerText(), '60,000')
    const settledImport = await settled(id)
    assert.equal(settledImport.status, 'ready')
    assert.equal(
      await page.locator('#import-results[hx-trigger]').count(),
      0,
      'no polling once ready'
    )
    assert.deepEqual(pageProblems(page), [])
  }).timeout(120_000)
})
