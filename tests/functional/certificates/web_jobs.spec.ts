import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import drive from '@adonisjs/drive/services/main'
import { DateTime } from 'luxon'
import generation from '#config/generation'
import StoredFile from '#core/models/stored_file'
import type Organization from '#orgs/models/organization'
import CertificateTemplateVersion from '#templates/models/certificate_template_version'
import GenerationJob from '#certificates/models/generation_job'
import Certificate from '#certificates/models/certificate'
import OrgGenerationJobs from '#certificates/queries/org_generation_jobs'
import { actingAs, givenCustomRole, givenMember, givenOrg } from '#tests/helpers/given'
import { auditRows, fieldErrorOf, flashOf, metadataOf } from '#tests/helpers/orgs'
import {
  NAME_COURSE_NUMBER_QR,
  givenJob,
  recipientsCsv,
  runJobs,
} from '#tests/helpers/certificates'
import { NAME_AND_QR, givenTemplate } from '#tests/helpers/given_templates'
import { givenImport } from '#tests/helpers/imports'
import { binary, bytesOf } from '#tests/helpers/binary'
import { readZip } from '#tests/helpers/zip'

const escapeHtml = (text: string) =>
  text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;')

/** The form's fields as a browser posts them. */
function jobForm(templateIds: string[], importId: string, extra: Record<string, unknown> = {}) {
  return {
    template_ids: templateIds,
    import_id: importId,
    issue_date: '2026-03-15',
    expiry_mode: 'none',
    expiry_date: '',
    expiry_months: '',
    name: '',
    start: 'now',
    ...extra,
  }
}

/** A course field too narrow for long course names, so the preflight has something to say. */
const NARROW_COURSE = [
  ...NAME_AND_QR,
  {
    key: 'course_name',
    type: 'text' as const,
    x: 120,
    y: 330,
    width: 90,
    height: 12,
    font_size: 10,
  },
]

/** A list with a bad email (an error row), a row that is no recipient, and a course name far too long for its field. */
const MIXED_LIST = [
  'Full Name,Email Address,Course',
  'Asha Verma,asha@example.in,Data Science',
  'Ravi Kumar,ravi@invalid,Data Science',
  ',,Data Science',
  `Sita Rao,sita@example.in,${'Advanced Machine Learning and Applied Statistics for Industry '.repeat(3).trim()}`,
  'Kabir Singh,kabir@example.in,Data Science',
].join('\n')

async function mixedList(org: Organization) {
  return givenImport(org, { bytes: new TextEncoder().encode(MIXED_LIST), name: 'batch 14.csv' })
}

test.group('Generation jobs (web): the form and its preflight', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('the form offers templates with fields and ready lists, issuing today by default', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const { template } = await givenTemplate(org, {
      name: 'Course completion',
      fields: NAME_COURSE_NUMBER_QR,
    })
    await givenTemplate(org, { name: 'Blank design' })
    await givenTemplate(org, { name: 'Old design', fields: NAME_AND_QR, status: 'archived' })
    const list = await givenImport(org, recipientsCsv(3))

    const page = await actingAs(client.get('/generation-jobs/new'), owner, org)
    page.assertStatus(200)
    const html = page.text()
    assert.include(html, `name="template_ids[]" value="${template.id}"`)
    assert.include(html, 'Course completion')
    assert.notInclude(html, 'Blank design', 'a template without fields cannot issue')
    assert.notInclude(html, 'Old design', 'archived templates are not offered')
    assert.include(html, `<option value="${list.id}" >recipients-3.csv — 3 ready`)
    assert.include(html, `name="issue_date" value="${DateTime.utc().toISODate()}"`)
    assert.include(html, 'href="/imports/new" id="new-list-link"')
    assert.include(html, 'action="/generation-jobs/preflight"')

    const preselected = await actingAs(
      client.get(`/generation-jobs/new?import_id=${list.id}`),
      owner,
      org
    )
    assert.include(preselected.text(), `<option value="${list.id}" selected>`)
  }).timeout(60_000)

  test('the preflight shows recipients × templates, the rows left out and why, and values too long for their field', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const { template: first } = await givenTemplate(org, {
      name: 'Course completion',
      fields: NARROW_COURSE,
    })
    const { template: second } = await givenTemplate(org, {
      name: 'Merit award',
      fields: NAME_AND_QR,
    })
    const list = await mixedList(org)

    const response = await actingAs(
      client
        .post('/generation-jobs/preflight')
        .form(jobForm([first.id, second.id], list.id, { name: 'Batch 14' }))
        .withCsrfToken(),
      owner,
      org
    )
    response.assertStatus(200)
    response.assertHeader('hx-push-url', 'false')
    const html = response.text()
    assert.include(html, '<strong data-count="recipients">3</strong> recipients')
    assert.include(html, '× <strong data-count="templates">2</strong> templates')
    assert.include(html, '= <strong data-count="certificates">6</strong> certificates')
    assert.include(
      html,
      'From “batch 14.csv” with “Course completion” (version 2), “Merit award” (version 2).'
    )
    // Left out: the row with the bad email, and the blank row.
    assert.include(html, '<li data-reason="errors">')
    assert.include(html, '1 row has errors and is not issued.')
    assert.include(html, `href="/imports/${list.id}?only=errors" id="preflight-fix-errors"`)
    assert.include(html, '1 row is not a recipient (blank, a repeated header or a total).')
    assert.include(html, `href="/imports/${list.id}?only=skipped"`)
    // Sita's course name does not fit the narrow course field of the first template, even at the smallest size.
    assert.include(html, '1 value does not fit its field.')
    const fitRow = html.slice(
      html.indexOf('<tr data-row-index="5" data-field="course_name">'),
      html.indexOf('</tr>', html.indexOf('data-row-index="5"'))
    )
    assert.include(fitRow, '<td class="num">5</td>')
    assert.include(fitRow, '<td>Course completion</td>')
    assert.include(fitRow, '<td>Course name</td>')
    assert.include(fitRow, 'Advanced Machine Learning and Applied Statistics for Industry Advanced')
    assert.include(fitRow, 'Too long even at the smallest size')
    // The button carries every choice to POST /generation-jobs.
    assert.include(html, 'action="/generation-jobs" id="generate-form"')
    assert.include(html, `<input type="hidden" name="template_ids[]" value="${first.id}">`)
    assert.include(html, `<input type="hidden" name="template_ids[]" value="${second.id}">`)
    assert.include(html, `<input type="hidden" name="import_id" value="${list.id}">`)
    assert.include(html, '<input type="hidden" name="issue_date" value="2026-03-15">')
    assert.include(html, '<input type="hidden" name="name" value="Batch 14">')
    assert.match(html, /id="generate">\s*Generate 6 certificates\s*<\/button>/)
    // The form below keeps the choices.
    assert.include(html, `value="${first.id}" checked`)
    assert.include(html, `<option value="${list.id}" selected>`)
    assert.lengthOf(
      await GenerationJob.query().where('organization_id', org.id),
      0,
      'a preflight writes nothing'
    )
  }).timeout(60_000)

  test('a clean list says every row is issued and every value fits', async ({ client, assert }) => {
    const { org, owner } = await givenOrg()
    const { template } = await givenTemplate(org, { fields: NAME_COURSE_NUMBER_QR })
    const list = await givenImport(org, recipientsCsv(2))
    const response = await actingAs(
      client
        .post('/generation-jobs/preflight')
        .form(jobForm([template.id], list.id, { start: 'later' }))
        .withCsrfToken(),
      owner,
      org
    )
    response.assertStatus(200)
    assert.include(response.text(), 'Every row of the list is issued.')
    assert.include(response.text(), 'Every value fits its field.')
    assert.match(response.text(), /id="generate">\s*Create the job for 2 certificates\s*<\/button>/)
  }).timeout(60_000)

  test('a refusal comes back with the choices kept and the reason under its field', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const { template } = await givenTemplate(org, {
      name: 'Batch award',
      fields: [
        ...NAME_AND_QR,
        { key: 'batch_code', type: 'text', x: 120, y: 360, width: 200, height: 20, required: true },
      ],
    })
    const list = await givenImport(org, recipientsCsv(2))
    const response = await actingAs(
      client
        .post('/generation-jobs/preflight')
        .form(jobForm([template.id], list.id, { name: 'Kept name' }))
        .withCsrfToken(),
      owner,
      org
    )
    response.assertStatus(422)
    const html = response.text()
    assert.include(html, 'id="preflight-refusal" data-field="import_id"')
    assert.include(html, '<strong>These certificates cannot be generated yet.</strong>')
    assert.include(
      html,
      `&quot;Batch award&quot; requires Batch code (batch_code), which no recipient has. Map a column to it or fill it in.`
    )
    assert.include(
      html,
      '<p class="field-error" id="import_id-error" role="alert">&quot;Batch award&quot; requires Batch code'
    )
    assert.notInclude(html, 'id="generate-form"')
    assert.include(html, `value="${template.id}" checked`)
    assert.include(html, `<option value="${list.id}" selected>`)
    assert.include(html, 'value="Kept name"')
  }).timeout(60_000)

  test('missing or malformed choices are sent back to the form with specific messages and the values kept', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const { template } = await givenTemplate(org, { fields: NAME_COURSE_NUMBER_QR })
    const list = await givenImport(org, recipientsCsv(2))

    const none = await actingAs(
      client
        .post('/generation-jobs/preflight')
        .form({ import_id: list.id, issue_date: '2026-03-15', name: 'Kept' })
        .withCsrfToken()
        .redirects(0),
      owner,
      org
    )
    none.assertStatus(302)
    none.assertHeader('location', '/generation-jobs/new')
    assert.equal(fieldErrorOf(none, 'template_ids'), 'Choose at least one template.')
    assert.equal(none.flashMessages().name, 'Kept')

    const noList = await actingAs(
      client
        .post('/generation-jobs')
        .form({ template_ids: [template.id] })
        .withCsrfToken()
        .redirects(0),
      owner,
      org
    )
    noList.assertHeader('location', '/generation-jobs/new')
    assert.equal(
      fieldErrorOf(noList, 'import_id'),
      'Choose the recipient list to issue certificates to.'
    )

    const tooMany = await actingAs(
      client
        .post('/generation-jobs/preflight')
        .form(jobForm(['a', 'b', 'c', 'd', 'e'], list.id))
        .withCsrfToken()
        .redirects(0),
      owner,
      org
    )
    assert.equal(
      fieldErrorOf(tooMany, 'template_ids'),
      'Choose at most 4 templates: each recipient gets one certificate per template.'
    )

    const badMonths = await actingAs(
      client
        .post('/generation-jobs/preflight')
        .form(jobForm([template.id], list.id, { expiry_mode: 'months', expiry_months: '0' }))
        .withCsrfToken()
        .redirects(0),
      owner,
      org
    )
    assert.equal(
      fieldErrorOf(badMonths, 'expiry_months'),
      'Expiry in months must be a whole number from 1 to 600.'
    )

    const noDate = await actingAs(
      client
        .post('/generation-jobs/preflight')
        .form(jobForm([template.id], list.id, { expiry_mode: 'date' }))
        .withCsrfToken(),
      owner,
      org
    )
    noDate.assertStatus(422)
    assert.include(
      noDate.text(),
      '<p class="field-error" id="expiry_date-error" role="alert">Choose the date the certificates expire, or choose “No expiry”.</p>'
    )

    const before = await actingAs(
      client
        .post('/generation-jobs/preflight')
        .form(jobForm([template.id], list.id, { expiry_mode: 'date', expiry_date: '2026-03-01' }))
        .withCsrfToken(),
      owner,
      org
    )
    before.assertStatus(422)
    assert.include(before.text(), 'The expiry date must come after the issue date.')
    assert.include(before.text(), 'name="expiry_date" value="2026-03-01"')

    const unreal = await actingAs(
      client
        .post('/generation-jobs')
        .form(jobForm([template.id], list.id, { issue_date: '2026-02-30' }))
        .withCsrfToken()
        .redirects(0),
      owner,
      org
    )
    unreal.assertHeader('location', '/generation-jobs/new')
    assert.equal(
      fieldErrorOf(unreal, 'issue_date'),
      'The issue date must be a real date (YYYY-MM-DD).'
    )

    const otherList = await actingAs(
      client
        .post('/generation-jobs')
        .form(jobForm([template.id], '00000000-0000-0000-0000-000000000001'))
        .withCsrfToken()
        .redirects(0),
      owner,
      org
    )
    otherList.assertHeader('location', '/generation-jobs/new')
    assert.equal(
      fieldErrorOf(otherList, 'import_id'),
      'There is no such recipient list in this organization.'
    )
    assert.lengthOf(await GenerationJob.query().where('organization_id', org.id), 0)
  }).timeout(60_000)
})

test.group('Generation jobs (web): creating, progress and changes', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('Generate creates the job and opens its page, whose island polls until the job is done, then refreshes', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const { template } = await givenTemplate(org, {
      name: 'Course completion',
      fields: NAME_COURSE_NUMBER_QR,
    })
    const list = await givenImport(org, recipientsCsv(3))

    const created = await actingAs(
      client
        .post('/generation-jobs')
        .form(
          jobForm([template.id], list.id, {
            name: 'March batch',
            expiry_mode: 'months',
            expiry_months: '24',
          })
        )
        .withCsrfToken()
        .redirects(0),
      owner,
      org
    )
    created.assertStatus(302)
    const job = await GenerationJob.query().where('organization_id', org.id).firstOrFail()
    created.assertHeader('location', `/generation-jobs/${job.id}`)
    assert.equal(
      flashOf(created, 'success'),
      'Generating 3 certificates. You can leave this page: the job keeps running.'
    )
    assert.deepEqual(
      [job.name, job.issueDate, job.expiryMode, job.expiryMonths, job.totalItems, job.createdBy],
      ['March batch', '2026-03-15', 'months', 24, 3, owner.id]
    )
    assert.isNotNull(job.startedAt)
    const [audit] = await auditRows(org, 'generation_job.created')
    assert.equal(audit.entity_id, job.id)
    assert.equal(metadataOf(audit).via, 'web')

    const page = await actingAs(client.get(`/generation-jobs/${job.id}`), owner, org)
    page.assertStatus(200)
    assert.include(
      page.text(),
      `hx-get="/generation-jobs/${job.id}/progress?polling=1" hx-trigger="load delay:1s" hx-swap="outerHTML"`
    )
    assert.include(
      page.text(),
      '<span class="badge badge-brand" data-status="queued">Queued</span>'
    )
    assert.include(page.text(), 'id="cancel-job"')
    assert.notInclude(page.text(), 'id="download-zip"', 'no export before the job is done')
    assert.include(page.text(), '24 months after the issue date')

    const polling = await actingAs(
      client.get(`/generation-jobs/${job.id}/progress?polling=1`).header('HX-Request', 'true'),
      owner,
      org
    )
    polling.assertStatus(200)
    polling.assertHeader('vary', 'HX-Request')
    assert.isUndefined(polling.header('hx-refresh'))
    assert.include(polling.text(), 'hx-trigger="load delay:1s"')
    assert.notInclude(polling.text(), '<html', 'the island alone')
    assert.include(polling.text(), 'data-count="waiting">3<')

    await runJobs(job.id)
    const done = await actingAs(
      client.get(`/generation-jobs/${job.id}/progress?polling=1`).header('HX-Request', 'true'),
      owner,
      org
    )
    done.assertHeader('hx-refresh', 'true')
    assert.notInclude(done.text(), 'hx-trigger')
    assert.include(
      done.text(),
      '<span class="badge badge-ok" data-status="completed">Completed</span>'
    )
    assert.include(done.text(), 'data-count="completed">3<')
    assert.include(done.text(), '<progress max="100" value="100"')

    const finished = await actingAs(client.get(`/generation-jobs/${job.id}`), owner, org)
    assert.notInclude(finished.text(), 'hx-trigger', 'a finished job does not poll')
    assert.include(
      finished.text(),
      `href="/generation-jobs/${job.id}/export" class="btn" id="download-zip"`
    )
    assert.include(finished.text(), `href="/certificates?generation_job_id=${job.id}"`)
    assert.notInclude(finished.text(), 'id="cancel-job"')

    const list2 = await actingAs(client.get('/generation-jobs'), owner, org)
    list2.assertStatus(200)
    const row = list2.text().slice(list2.text().indexOf(`data-job-id="${job.id}"`))
    assert.include(row, 'March batch')
    assert.include(row, '<div class="muted small"><bdi>Course completion</bdi></div>')
    assert.include(row, 'data-status="completed"')
  }).timeout(90_000)

  test('a job created to start later waits without polling until Start; starting twice is refused', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const { job } = await givenJob(org, { count: 2, start: false })
    const page = await actingAs(client.get(`/generation-jobs/${job.id}`), owner, org)
    assert.include(
      page.text(),
      '<span class="badge badge-warn" data-status="not_started">Not started</span>'
    )
    assert.include(page.text(), 'id="start-job"')
    assert.notInclude(page.text(), 'hx-trigger')
    assert.include(
      page.text(),
      'Created to start later: nothing is generated until someone starts it.'
    )

    const started = await actingAs(
      client.post(`/generation-jobs/${job.id}/start`).withCsrfToken().redirects(0),
      owner,
      org
    )
    started.assertHeader('location', `/generation-jobs/${job.id}`)
    assert.equal(flashOf(started, 'success'), 'Started: 2 certificates are being generated.')
    await job.refresh()
    assert.isNotNull(job.startedAt)
    assert.lengthOf(await auditRows(org, 'generation_job.started'), 1)

    const again = await actingAs(
      client.post(`/generation-jobs/${job.id}/start`).withCsrfToken().redirects(0),
      owner,
      org
    )
    again.assertHeader('location', `/generation-jobs/${job.id}`)
    assert.equal(flashOf(again, 'error'), 'This job has already been started.')
  }).timeout(60_000)

  test('Cancel stops a job that has work left; a finished job cannot be cancelled', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const { job } = await givenJob(org, { count: 2, start: false })
    const cancelled = await actingAs(
      client.post(`/generation-jobs/${job.id}/cancellation`).withCsrfToken().redirects(0),
      owner,
      org
    )
    cancelled.assertHeader('location', `/generation-jobs/${job.id}`)
    assert.equal(flashOf(cancelled, 'success'), 'Job cancelled. No certificate was issued.')
    await job.refresh()
    assert.equal(job.status, 'cancelled')
    const page = await actingAs(client.get(`/generation-jobs/${job.id}`), owner, org)
    assert.include(page.text(), 'data-status="cancelled"')
    assert.notInclude(page.text(), 'id="cancel-job"')

    const again = await actingAs(
      client.post(`/generation-jobs/${job.id}/cancellation`).withCsrfToken().redirects(0),
      owner,
      org
    )
    assert.equal(flashOf(again, 'error'), 'This job is already cancelled.')
  }).timeout(60_000)

  test('certificates that failed are listed with the reason, and Retry issues them under the same numbers', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    // Chunks are enqueued with one attempt each.
    const attempts = generation.maxAttempts
    generation.maxAttempts = 1
    const { job, templateIds } = await givenJob(org, { count: 2 }).finally(() => {
      generation.maxAttempts = attempts
    })
    // The design's PDF goes missing while the job runs: every attempt fails.
    const version = await CertificateTemplateVersion.query()
      .where('template_id', templateIds[0])
      .orderBy('version_number', 'desc')
      .firstOrFail()
    const source = await StoredFile.findOrFail(version.sourceFileId)
    const bytes = await drive.use().getBytes(source.path)
    await drive.use().delete(source.path)
    try {
      await runJobs(job.id)
    } finally {
      await drive.use().put(source.path, bytes)
    }
    await job.refresh()
    assert.equal(job.status, 'failed')
    assert.equal(job.failedItems, 2)

    const page = await actingAs(client.get(`/generation-jobs/${job.id}`), owner, org)
    const html = page.text()
    assert.include(
      html,
      '<span class="badge badge-danger" data-status="failed">Finished with failures</span>'
    )
    assert.include(html, '2 certificates could not be generated. The reasons are listed below.')
    assert.include(html, 'id="failures-table"')
    assert.lengthOf(await Certificate.query().where('generation_job_id', job.id), 0)
    const failures = await OrgGenerationJobs.failures(job)
    assert.lengthOf(failures, 2)
    for (const failure of failures) {
      assert.include(html, `<tr data-failure-id="${failure.id}">`)
      assert.include(html, failure.certificateNumber!)
      assert.include(html, `<td class="text-danger">${escapeHtml(failure.failureMessage)}</td>`)
    }
    assert.include(html, 'id="retry-job">Retry 2 failed</button>')
    assert.notInclude(html, 'id="download-zip"', 'nothing was issued, so there is no ZIP to offer')

    const retried = await actingAs(
      client.post(`/generation-jobs/${job.id}/retry`).withCsrfToken().redirects(0),
      owner,
      org
    )
    retried.assertHeader('location', `/generation-jobs/${job.id}`)
    assert.equal(flashOf(retried, 'success'), 'Retrying the certificates that failed.')
    const done = await runJobs(job.id)
    assert.equal(done!.status, 'completed')
    const issued = await Certificate.query()
      .where('generation_job_id', job.id)
      .orderBy('sequence_number', 'asc')
    assert.deepEqual(
      issued.map((c) => [c.certificateNumber, c.status]),
      failures.map((failure) => [failure.certificateNumber, 'issued'])
    )

    const nothing = await actingAs(
      client.post(`/generation-jobs/${job.id}/retry`).withCsrfToken().redirects(0),
      owner,
      org
    )
    assert.equal(flashOf(nothing, 'error'), 'No certificate of this job has failed.')
  }).timeout(90_000)

  test('the ZIP of a finished job holds every PDF and the manifest; before it finishes the page says to wait', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const { job } = await givenJob(org, { count: 2 })
    const early = await actingAs(
      client.get(`/generation-jobs/${job.id}/export`).redirects(0),
      owner,
      org
    )
    early.assertHeader('location', `/generation-jobs/${job.id}`)
    assert.equal(flashOf(early, 'error'), 'The ZIP can be downloaded once the job has finished.')

    await runJobs(job.id)
    const zip = await binary(actingAs(client.get(`/generation-jobs/${job.id}/export`), owner, org))
    zip.assertStatus(200)
    zip.assertHeader('content-type', 'application/zip')
    assert.match(
      zip.header('content-disposition')!,
      /^attachment; filename="recipients-2-csv-[0-9a-f]{8}\.zip"/
    )
    const entries = readZip(bytesOf(zip)).map((entry) => entry.name)
    assert.lengthOf(entries, 3)
    assert.include(entries, 'manifest.csv')

    const { job: cancelled } = await givenJob(org, { count: 1, start: false })
    await actingAs(
      client.post(`/generation-jobs/${cancelled.id}/cancellation`).withCsrfToken(),
      owner,
      org
    )
    const empty = await actingAs(
      client.get(`/generation-jobs/${cancelled.id}/export`).redirects(0),
      owner,
      org
    )
    assert.equal(
      flashOf(empty, 'error'),
      'This job issued no certificate, so there is nothing to download.'
    )
  }).timeout(90_000)
})

test.group('Generation jobs (web): who may do what', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('a member without certificates.issue sees jobs but cannot open the form, preflight, create, start, cancel or retry (403)', async ({
    client,
    assert,
  }) => {
    const { org } = await givenOrg()
    const { job, templateIds, importJob } = await givenJob(org, { count: 1, start: false })
    const { user } = await givenMember(org, await givenCustomRole(org, []))

    const listed = await actingAs(client.get('/generation-jobs'), user, org)
    listed.assertStatus(200)
    assert.include(listed.text(), `data-job-id="${job.id}"`)
    assert.notInclude(listed.text(), 'id="new-job"')
    const shown = await actingAs(client.get(`/generation-jobs/${job.id}`), user, org)
    shown.assertStatus(200)
    assert.notInclude(shown.text(), 'id="start-job"')
    assert.notInclude(shown.text(), 'id="cancel-job"')
    const progress = await actingAs(client.get(`/generation-jobs/${job.id}/progress`), user, org)
    progress.assertStatus(200)

    const form = jobForm(templateIds, importJob.id)
    for (const [method, url] of [
      ['GET', '/generation-jobs/new'],
      ['POST', '/generation-jobs/preflight'],
      ['POST', '/generation-jobs'],
      ['POST', `/generation-jobs/${job.id}/start`],
      ['POST', `/generation-jobs/${job.id}/cancellation`],
      ['POST', `/generation-jobs/${job.id}/retry`],
    ]) {
      const request = client.request(url, method as any).redirects(0)
      const response = await actingAs(
        method === 'GET' ? request : request.form(form).withCsrfToken(),
        user,
        org
      )
      assert.equal(response.status(), 403, `${method} ${url}`)
    }
    await job.refresh()
    assert.isNull(job.startedAt)
    assert.lengthOf(await GenerationJob.query().where('organization_id', org.id), 1)
  }).timeout(60_000)

  test('the ZIP needs certificates.download', async ({ client }) => {
    const { org } = await givenOrg()
    const { job } = await givenJob(org, { count: 1 })
    await runJobs(job.id)
    const { user } = await givenMember(org, await givenCustomRole(org, ['certificates.issue']))
    const exported = await actingAs(client.get(`/generation-jobs/${job.id}/export`), user, org)
    exported.assertStatus(403)
  }).timeout(60_000)

  test("another org's job is a 404 on every job route, even for its owner's peers", async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const { org: other } = await givenOrg()
    const { job } = await givenJob(other, { count: 1, start: false })
    for (const [method, url] of [
      ['GET', `/generation-jobs/${job.id}`],
      ['GET', `/generation-jobs/${job.id}/progress`],
      ['GET', `/generation-jobs/${job.id}/export`],
      ['POST', `/generation-jobs/${job.id}/start`],
      ['POST', `/generation-jobs/${job.id}/cancellation`],
      ['POST', `/generation-jobs/${job.id}/retry`],
    ]) {
      const request = client.request(url, method as any).redirects(0)
      const response = await actingAs(
        method === 'GET' ? request : request.withCsrfToken(),
        owner,
        org
      )
      assert.equal(response.status(), 404, `${method} ${url}`)
    }
    await job.refresh()
    assert.isNull(job.startedAt)
    assert.equal(job.status, 'queued')
  }).timeout(60_000)
})
