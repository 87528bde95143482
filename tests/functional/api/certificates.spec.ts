import { randomUUID } from 'node:crypto'
import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import db from '@adonisjs/lucid/services/db'
import Certificate from '#certificates/models/certificate'
import { verificationToken } from '#certificates/services/verification_links'
import { sha256Hex } from '#core/actions/store_file'
import { givenOrg } from '#tests/helpers/given'
import { givenApiKey } from '#tests/helpers/api_keys'
import {
  NAME_COURSE_NUMBER_QR,
  givenJob,
  recipientsCsv,
  runJobs,
} from '#tests/helpers/certificates'
import { givenTemplate } from '#tests/helpers/given_templates'
import { givenImport } from '#tests/helpers/imports'
import { binary, bytesOf } from '#tests/helpers/binary'
import { databaseContains } from '#tests/helpers/api_keys'
import { readZip } from '#tests/helpers/zip'

async function apiOrg() {
  const { org, owner } = await givenOrg()
  const { secret } = await givenApiKey(org)
  return { org, owner, key: secret }
}

test.group('API: generation jobs', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('POST /generation-jobs from an import → 202; the job runs; GET shows counts and an export URL', async ({
    client,
    assert,
  }) => {
    const { org, key } = await apiOrg()
    const { template } = await givenTemplate(org, { fields: NAME_COURSE_NUMBER_QR })
    const list = await givenImport(org, recipientsCsv(4))
    const created = await client
      .post('/api/v1/generation-jobs')
      .bearerToken(key)
      .json({
        template_ids: [template.id],
        import_id: list.id,
        issued_at: '2026-04-01',
        expires_in_months: 12,
      })
    created.assertStatus(202)
    assert.containsSubset(created.body(), {
      status: 'queued',
      total: 4,
      completed: 0,
      failed: 0,
      export_url: null,
    })
    await runJobs()
    const shown = await client.get(`/api/v1/generation-jobs/${created.body().id}`).bearerToken(key)
    shown.assertStatus(200)
    assert.containsSubset(shown.body(), {
      id: created.body().id,
      status: 'completed',
      total: 4,
      completed: 4,
      failed: 0,
      template_ids: [template.id],
    })
    assert.isString(shown.body().finished_at)
    assert.match(
      shown.body().export_url,
      new RegExp(`/api/v1/generation-jobs/${created.body().id}/export$`)
    )

    const listed = await client
      .get(`/api/v1/certificates?generation_job_id=${created.body().id}`)
      .bearerToken(key)
    listed.assertStatus(200)
    assert.equal(listed.body().meta.total, 4)
    const first = listed.body().data.find((c: any) => c.recipient_name === 'Learner 1')
    assert.containsSubset(first, {
      status: 'issued',
      recipient_email: 'learner1@example.com',
      template_id: template.id,
      generation_job_id: created.body().id,
      issue_date: '2026-04-01',
      expiry_date: '2026-04-01'.replace('2026', '2027'),
    })
    assert.match(first.verification_url, /^http:\/\/.+\/v\/[A-Za-z0-9_-]{32}$/)
  })

  test('POST /generation-jobs with recipients creates a manual list; a bad recipient answers 422 naming the row and field', async ({
    client,
    assert,
  }) => {
    const { org, key } = await apiOrg()
    const { template } = await givenTemplate(org, { fields: NAME_COURSE_NUMBER_QR })
    const bad = await client
      .post('/api/v1/generation-jobs')
      .bearerToken(key)
      .json({
        template_ids: [template.id],
        recipients: [
          { recipient_name: 'Asha Rao', recipient_email: 'asha@example.com' },
          { recipient_name: 'Ravi', recipient_email: 'not-an-email' },
        ],
      })
    bad.assertStatus(422)
    const error = bad.body().errors[0]
    assert.equal(error.row, 1)
    assert.equal(error.field, 'recipients.1.recipient_email')
    assert.equal(
      await db
        .from('file_import_jobs')
        .where('organization_id', org.id)
        .count('* as n')
        .first()
        .then((r) => Number(r.n)),
      0
    )

    const good = await client
      .post('/api/v1/generation-jobs')
      .bearerToken(key)
      .json({
        template_ids: [template.id],
        recipients: [
          {
            recipient_name: 'Asha Rao',
            recipient_email: 'ASHA@example.com',
            course_name: 'Pottery',
          },
        ],
      })
    good.assertStatus(202)
    await runJobs()
    const certificate = await Certificate.query()
      .where('generation_job_id', good.body().id)
      .firstOrFail()
    assert.equal(certificate.recipientEmail, 'asha@example.com')
    assert.equal(certificate.title, 'Pottery')
  })

  test("bad requests: neither or both sources, unknown and other orgs' templates and imports, archived templates", async ({
    client,
    assert,
  }) => {
    const { org, key } = await apiOrg()
    const other = await givenOrg()
    const { template } = await givenTemplate(org, { fields: NAME_COURSE_NUMBER_QR })
    const { template: foreign } = await givenTemplate(other.org, { fields: NAME_COURSE_NUMBER_QR })
    const list = await givenImport(org, recipientsCsv(2))
    const foreignList = await givenImport(other.org, recipientsCsv(2))
    const post = (body: object) =>
      client.post('/api/v1/generation-jobs').bearerToken(key).json(body)

    const neither = await post({ template_ids: [template.id] })
    neither.assertStatus(422)
    assert.equal(neither.body().errors[0].field, 'import_id')
    const both = await post({
      template_ids: [template.id],
      import_id: list.id,
      recipients: [{ recipient_name: 'A' }],
    })
    both.assertStatus(422)
    const foreignTemplate = await post({ template_ids: [foreign.id], import_id: list.id })
    foreignTemplate.assertStatus(422)
    assert.equal(foreignTemplate.body().errors[0].code, 'E_UNKNOWN_TEMPLATE')
    const foreignImport = await post({ template_ids: [template.id], import_id: foreignList.id })
    assert.equal(foreignImport.body().errors[0].code, 'E_UNKNOWN_IMPORT')
    const five = await post({
      template_ids: [1, 2, 3, 4, 5].map(() => randomUUID()),
      import_id: list.id,
    })
    five.assertStatus(422)
    const dates = await post({
      template_ids: [template.id],
      import_id: list.id,
      issued_at: '2026-02-30',
    })
    assert.equal(dates.body().errors[0].code, 'E_INVALID_DATE')
    const { template: archived } = await givenTemplate(org, {
      fields: NAME_COURSE_NUMBER_QR,
      status: 'archived',
    })
    const archivedTemplate = await post({ template_ids: [archived.id], import_id: list.id })
    assert.equal(archivedTemplate.body().errors[0].code, 'E_TEMPLATE_ARCHIVED')
  })

  test('a required field without data in the list is refused before anything is created', async ({
    client,
    assert,
  }) => {
    const { org, key } = await apiOrg()
    const { template } = await givenTemplate(org, {
      fields: [
        ...NAME_COURSE_NUMBER_QR,
        { key: 'batch_code', type: 'text', x: 60, y: 60, width: 200, height: 20, required: true },
      ],
    })
    const list = await givenImport(org, recipientsCsv(3))
    const response = await client
      .post('/api/v1/generation-jobs')
      .bearerToken(key)
      .json({ template_ids: [template.id], import_id: list.id })
    response.assertStatus(422)
    assert.equal(response.body().errors[0].code, 'E_MISSING_FIELD_DATA')
    assert.include(response.body().errors[0].message, 'batch_code')
    const jobCount = await db
      .from('certificate_generation_jobs')
      .where('organization_id', org.id)
      .count('* as n')
      .first()
    assert.equal(Number(jobCount.n), 0)
  })

  test("cancellation stops a job that has not run; another org's job is a 404 everywhere", async ({
    client,
    assert,
  }) => {
    const { org, key } = await apiOrg()
    const other = await apiOrg()
    const { job } = await givenJob(org, { count: 3, start: false })
    for (const path of [
      `/api/v1/generation-jobs/${job.id}`,
      `/api/v1/generation-jobs/${job.id}/export`,
    ]) {
      const foreignRead = await client.get(path).bearerToken(other.key)
      foreignRead.assertStatus(404)
    }
    const foreignCancel = await client
      .post(`/api/v1/generation-jobs/${job.id}/cancellation`)
      .bearerToken(other.key)
    foreignCancel.assertStatus(404)
    const cancelled = await client
      .post(`/api/v1/generation-jobs/${job.id}/cancellation`)
      .bearerToken(key)
    cancelled.assertStatus(200)
    assert.equal(cancelled.body().status, 'cancelled')
    await runJobs()
    const certificateCount = await db
      .from('certificates')
      .where('generation_job_id', job.id)
      .count('* as n')
      .first()
    assert.equal(Number(certificateCount.n), 0)
    const cancelledAgain = await client
      .post(`/api/v1/generation-jobs/${job.id}/cancellation`)
      .bearerToken(key)
    cancelledAgain.assertStatus(409)
  })

  test('GET /export is a ZIP of every PDF plus a formula-safe manifest.csv', async ({
    client,
    assert,
  }) => {
    const { org, key } = await apiOrg()
    const { template } = await givenTemplate(org, { fields: NAME_COURSE_NUMBER_QR })
    const list = await givenImport(
      org,
      recipientsCsv(3, {
        row: (i) =>
          i === 2
            ? `"=HYPERLINK(""http://x"")",evil@example.com,Data`
            : `Learner ${i},learner${i}@example.com,Data`,
      })
    )
    const created = await client
      .post('/api/v1/generation-jobs')
      .bearerToken(key)
      .json({ template_ids: [template.id], import_id: list.id })
    const early = await client
      .get(`/api/v1/generation-jobs/${created.body().id}/export`)
      .bearerToken(key)
    early.assertStatus(409)
    await runJobs()
    const response = await binary(
      client.get(`/api/v1/generation-jobs/${created.body().id}/export`).bearerToken(key)
    )
    response.assertStatus(200)
    assert.equal(response.header('content-type'), 'application/zip')
    const entries = readZip(bytesOf(response))
    const certificates = await Certificate.query().where('generation_job_id', created.body().id)
    assert.lengthOf(entries, 4)
    const manifest = Buffer.from(
      entries.find((entry) => entry.name === 'manifest.csv')!.bytes
    ).toString('utf8')
    assert.include(manifest, `'=HYPERLINK`)
    for (const certificate of certificates) {
      const entry = entries.find((candidate) =>
        candidate.name.startsWith(certificate.certificateNumber)
      )!
      assert.equal(sha256Hex(entry.bytes), certificate.sha256)
      assert.include(manifest, certificate.certificateNumber)
    }
  })
})

test.group('API: certificates', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('GET /certificates/:id has the contract fields; /pdf serves the bytes whose SHA-256 is recorded; raw tokens are stored nowhere', async ({
    client,
    assert,
  }) => {
    const { org, key } = await apiOrg()
    const { job } = await givenJob(org, { count: 2 })
    await runJobs()
    const certificate = await Certificate.query()
      .where('generation_job_id', job.id)
      .orderBy('sequence_number', 'asc')
      .firstOrFail()
    const shown = await client.get(`/api/v1/certificates/${certificate.id}`).bearerToken(key)
    shown.assertStatus(200)
    for (const field of [
      'id',
      'certificate_number',
      'status',
      'recipient_name',
      'recipient_email',
      'recipient_phone',
      'template_id',
      'template_version_id',
      'generation_job_id',
      'issued_at',
      'expires_at',
      'revoked_at',
      'revocation_reason',
      'superseded_by_id',
      'verification_url',
      'sha256',
    ]) {
      assert.property(shown.body(), field)
    }
    const pdf = await binary(
      client.get(`/api/v1/certificates/${certificate.id}/pdf`).bearerToken(key)
    )
    pdf.assertStatus(200)
    assert.equal(pdf.header('content-type'), 'application/pdf')
    assert.equal(sha256Hex(bytesOf(pdf)), shown.body().sha256)
    assert.deepEqual(await databaseContains(verificationToken(certificate.id)), [])
  })

  test('search by name, email or number; filter by status; pagination meta', async ({
    client,
    assert,
  }) => {
    const { org, key } = await apiOrg()
    await givenJob(org, { count: 12 })
    await runJobs()
    const byName = await client.get('/api/v1/certificates?q=learner 11').bearerToken(key)
    assert.deepEqual(
      byName.body().data.map((c: any) => c.recipient_name),
      ['Learner 11']
    )
    const byEmail = await client.get('/api/v1/certificates?q=LEARNER3@').bearerToken(key)
    assert.equal(byEmail.body().meta.total, 1)
    const number = byName.body().data[0].certificate_number
    const byNumber = await client.get(`/api/v1/certificates?q=${number}`).bearerToken(key)
    assert.equal(byNumber.body().data[0].certificate_number, number)
    const page = await client.get('/api/v1/certificates?per_page=5&page=3').bearerToken(key)
    assert.deepEqual(page.body().meta, { total: 12, page: 3, per_page: 5 })
    assert.lengthOf(page.body().data, 2)
    const revoked = await client.get('/api/v1/certificates?status=revoked').bearerToken(key)
    assert.equal(revoked.body().meta.total, 0)
    const noStatus = await client.get('/api/v1/certificates?status=').bearerToken(key)
    assert.equal(noStatus.body().meta.total, 12)
  })

  test('an unknown status filter is a 422 naming the allowed values, not the whole list', async ({
    client,
    assert,
  }) => {
    const { org, key } = await apiOrg()
    await givenJob(org, { count: 2 })
    await runJobs()
    const bogus = await client.get('/api/v1/certificates?status=bogus').bearerToken(key)
    bogus.assertStatus(422)
    assert.deepEqual(bogus.body().errors, [
      {
        code: 'E_VALIDATION_ERROR',
        message: 'status must be one of: issued, expired, revoked, superseded.',
        field: 'status',
      },
    ])
    const pending = await client.get('/api/v1/certificates?status=pending').bearerToken(key)
    pending.assertStatus(422)
  })

  test('revocation needs a reason, is kept, and cannot happen twice; another org gets 404', async ({
    client,
    assert,
  }) => {
    const { org, key } = await apiOrg()
    const other = await apiOrg()
    const { job } = await givenJob(org, { count: 1 })
    await runJobs()
    const certificate = await Certificate.query().where('generation_job_id', job.id).firstOrFail()
    const foreignRevocation = await client
      .post(`/api/v1/certificates/${certificate.id}/revocation`)
      .bearerToken(other.key)
      .json({ reason: 'x' })
    foreignRevocation.assertStatus(404)
    const foreignEmptyRevocation = await client
      .post(`/api/v1/certificates/${certificate.id}/revocation`)
      .bearerToken(other.key)
      .json({ reason: '' })
    foreignEmptyRevocation.assertStatus(404)
    const foreignReissue = await client
      .post(`/api/v1/certificates/${certificate.id}/reissue`)
      .bearerToken(other.key)
      .json({ recipient_email: 'bad' })
    foreignReissue.assertStatus(404)
    const foreignShow = await client
      .get(`/api/v1/certificates/${certificate.id}`)
      .bearerToken(other.key)
    foreignShow.assertStatus(404)
    const foreignPdf = await client
      .get(`/api/v1/certificates/${certificate.id}/pdf`)
      .bearerToken(other.key)
    foreignPdf.assertStatus(404)
    const empty = await client
      .post(`/api/v1/certificates/${certificate.id}/revocation`)
      .bearerToken(key)
      .json({ reason: '  ' })
    empty.assertStatus(422)
    assert.equal(empty.body().errors[0].field, 'reason')
    const revoked = await client
      .post(`/api/v1/certificates/${certificate.id}/revocation`)
      .bearerToken(key)
      .json({ reason: 'Issued to the wrong batch' })
    revoked.assertStatus(200)
    assert.containsSubset(revoked.body(), {
      status: 'revoked',
      revocation_reason: 'Issued to the wrong batch',
    })
    assert.isString(revoked.body().revoked_at)
    const revokedAgain = await client
      .post(`/api/v1/certificates/${certificate.id}/revocation`)
      .bearerToken(key)
      .json({ reason: 'again' })
    revokedAgain.assertStatus(409)
  })

  test('reissue: a new number and PDF with the corrected name; the old one is superseded and points to it', async ({
    client,
    assert,
  }) => {
    const { org, key } = await apiOrg()
    const { job } = await givenJob(org, { count: 2 })
    await runJobs()
    const old = await Certificate.query()
      .where('generation_job_id', job.id)
      .orderBy('sequence_number', 'asc')
      .firstOrFail()
    const invalid = await client
      .post(`/api/v1/certificates/${old.id}/reissue`)
      .bearerToken(key)
      .json({ recipient_email: 'nope' })
    invalid.assertStatus(422)
    assert.equal(invalid.body().errors[0].code, 'E_INVALID_EMAIL')
    const marksOnly = await client
      .post(`/api/v1/certificates/${old.id}/reissue`)
      .bearerToken(key)
      .json({ recipient_name: '\u0301\u0302\u0303' })
    marksOnly.assertStatus(422)
    assert.containsSubset(marksOnly.body().errors[0], {
      code: 'E_NAME_NO_LETTERS',
      field: 'recipient_name',
    })
    const response = await client
      .post(`/api/v1/certificates/${old.id}/reissue`)
      .bearerToken(key)
      .json({ recipient_name: '  Learner   One ' })
    response.assertStatus(201)
    const fresh = response.body()
    assert.equal(fresh.recipient_name, 'Learner One')
    assert.notEqual(fresh.certificate_number, old.certificateNumber)
    assert.match(fresh.certificate_number, /-000003$/)
    assert.equal(fresh.reissued_from_id, old.id)
    const previous = await client.get(`/api/v1/certificates/${old.id}`).bearerToken(key)
    assert.containsSubset(previous.body(), { status: 'superseded', superseded_by_id: fresh.id })
    const pdf = await binary(client.get(`/api/v1/certificates/${fresh.id}/pdf`).bearerToken(key))
    assert.equal(sha256Hex(bytesOf(pdf)), fresh.sha256)
    const reissuedAgain = await client
      .post(`/api/v1/certificates/${old.id}/reissue`)
      .bearerToken(key)
      .json({ recipient_name: 'Again' })
    reissuedAgain.assertStatus(409)
    const usage = await db.from('billing_usage_events').where('organization_id', org.id)
    assert.lengthOf(usage, 3)
  })
})
