import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { tmpdir } from 'node:os'
import { randomUUID } from 'node:crypto'
import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import Certificate from '#certificates/models/certificate'
import GenerationJob from '#certificates/models/generation_job'
import { QueueWorker } from '#core/queue/worker'
import { pageProblems, visit } from '#tests/helpers/browser'
import { logInThroughForm } from '#tests/helpers/browser_login'
import { givenOrg } from '#tests/helpers/given'
import { givenTemplate } from '#tests/helpers/given_templates'
import { NAME_COURSE_NUMBER_QR } from '#tests/helpers/certificates'

const LIST = [
  'Full Name,Email Address,Course',
  'Asha Verma,asha.verma@example.in,Data Science with Python',
  'Kabir Singh,kabir.singh@example.in,Data Science with Python',
  'தமிழ்செல்வி முருகன்,tamil@example.in,Data Science with Python',
].join('\r\n')

test.group('Generating certificates in the browser', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('upload a list, check the preflight, generate, watch the job complete, then revoke a certificate', async ({
    assert,
    cleanup,
  }) => {
    const { org, owner } = await givenOrg({ name: 'Generation Academy' })
    const file = join(tmpdir(), `learners-${randomUUID()}.csv`)
    await writeFile(file, LIST)

    const { page } = await visit('/login', cleanup)
    await page.setViewportSize({ width: 1440, height: 1000 })
    await logInThroughForm(page, owner.email)

    // A recipient list, from the dashboard's getting-started list.
    await page
      .locator('#getting-started [data-step="recipients"]')
      .getByRole('link', { name: 'Add recipients →' })
      .click()
    await page.waitForURL('**/imports/new')
    await page.getByLabel('Recipient list').setInputFiles(file)
    await page.getByRole('button', { name: 'Upload and check' }).click()
    await page.waitForURL(/\/imports\/[0-9a-f-]{36}$/)
    await page.locator('#import-all-ready').waitFor()
    const listId = page.url().split('/').pop()!
    // The design is added after the upload: /imports/new cannot render template choices yet
    // (imports' template_choice.edge names its loop variable `template`, which Edge reserves).
    await givenTemplate(org, {
      name: 'Course completion',
      fields: NAME_COURSE_NUMBER_QR,
      status: 'active',
    })

    // The form, reached from the sidebar.
    const nav = page.getByRole('navigation', { name: 'Main' })
    await nav.getByRole('link', { name: 'Generation jobs' }).click()
    await page.waitForURL('**/generation-jobs')
    await page.getByRole('link', { name: 'Generate certificates' }).first().click()
    await page.waitForURL('**/generation-jobs/new')
    await page.getByRole('checkbox', { name: /Course completion/ }).check()
    const lists = page.getByLabel('Recipient list')
    assert.match(
      await lists.locator(`option[value="${listId}"]`).innerText(),
      /^learners-.*\.csv — 3 ready \(added /
    )
    await lists.selectOption(listId)
    await page.getByLabel('Name of this job').fill('Batch 14 completion')
    await page.getByRole('button', { name: 'Check and continue' }).click()

    // The preflight says what will happen before anything is issued.
    const preflight = page.locator('#preflight')
    await preflight.waitFor()
    assert.equal(
      await page.locator('#preflight-count').innerText(),
      '3 recipients × 1 template = 3 certificates'
    )
    assert.equal(
      await page.locator('#preflight-all-rows').innerText(),
      'Every row of the list is issued.'
    )
    assert.equal(await page.locator('#preflight-fit-ok').innerText(), 'Every value fits its field.')
    assert.equal(
      new URL(page.url()).pathname,
      '/generation-jobs/new',
      'the address stays the form’s'
    )
    assert.lengthOf(await GenerationJob.query().where('organization_id', org.id), 0)
    await page.getByRole('button', { name: 'Generate 3 certificates' }).click()

    // The job's page: the island polls until the job is done, then the page reloads with its final buttons.
    await page.waitForURL(/\/generation-jobs\/[0-9a-f-]{36}$/)
    assert.include(await page.locator('#flash').innerText(), 'Generating 3 certificates.')
    assert.equal(await page.locator('#job-status').innerText(), 'Queued')
    assert.equal(
      await page.locator('#job-progress[hx-trigger="load delay:1s"]').count(),
      1,
      'the island polls while the job waits for a worker'
    )
    // The test server runs in this process, so a worker of this process generates, as the one `npm start` runs does.
    const worker = new QueueWorker({ lanes: 1 })
    worker.start()
    cleanup(() => worker.stop())
    await page.locator('#job-status [data-status="completed"]').waitFor({ timeout: 90_000 })
    assert.equal(await page.locator('#job-status').innerText(), 'Completed')
    await page.locator('#download-zip').waitFor()
    assert.equal(await page.locator('[data-count="completed"]').innerText(), '3')
    assert.equal(await page.locator('#job-percent').innerText(), '100%')
    assert.equal(await page.locator('#job-progress[hx-trigger]').count(), 0, 'no polling once done')
    const job = await GenerationJob.query().where('organization_id', org.id).firstOrFail()
    assert.deepEqual(
      [job.name, job.status, job.completedItems],
      ['Batch 14 completion', 'completed', 3]
    )

    // Its certificates, then one of them.
    await page.getByRole('link', { name: 'See its certificates' }).click()
    await page.waitForURL(/\/certificates\?generation_job_id=/)
    const kabir = await Certificate.query()
      .where('generation_job_id', job.id)
      .where('recipient_name', 'Kabir Singh')
      .firstOrFail()
    await page
      .locator(`#certificates-table tr[data-certificate-id="${kabir.id}"]`)
      .getByRole('link')
      .click()
    await page.waitForURL(`**/certificates/${kabir.id}`)
    assert.equal(await page.locator('#certificate-recipient').innerText(), 'Kabir Singh')
    assert.equal(await page.locator('#certificate-banner').getAttribute('data-status'), 'valid')
    // The preview is a picture of the issued PDF, drawn by the server.
    const preview = page.locator('#certificate-preview')
    await preview.waitFor()
    await page.waitForFunction(() => {
      const image = (globalThis as any).document.getElementById('certificate-preview')
      return image && image.complete && image.naturalWidth > 0
    })
    assert.equal(await preview.evaluate((image: any) => image.naturalWidth), 1400)

    // Revoke it, with a reason.
    await page.getByLabel('Reason').fill('Issued to the wrong batch')
    page.once('dialog', (dialog) => dialog.accept())
    await page.getByRole('button', { name: 'Revoke certificate' }).click()
    await page.locator('#certificate-banner[data-status="revoked"]').waitFor()
    assert.include(
      await page.locator('#flash').innerText(),
      `Certificate ${kabir.certificateNumber} revoked.`
    )
    assert.include(
      await page.locator('#certificate-banner').innerText(),
      'Reason: Issued to the wrong batch'
    )
    assert.equal(await page.locator('#revoke-form').count(), 0)
    await kabir.refresh()
    assert.deepEqual(
      [kabir.status, kabir.revocationReason],
      ['revoked', 'Issued to the wrong batch']
    )

    // Its public verification page, through the link the certificate page shows, says so too.
    await page.locator('#verification-url').click()
    await page.waitForURL(`**/v/**`)
    assert.equal(await page.locator('#verify-status').getAttribute('data-status'), 'revoked')
    assert.equal(await page.locator('#verify-number').innerText(), kabir.certificateNumber)
    assert.deepEqual(pageProblems(page), [])
  }).timeout(180_000)
})
