import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import testUtils from '@adonisjs/core/services/test_utils'
import { DateTime } from 'luxon'
import Certificate from '#certificates/models/certificate'
import ExpireCertificates from '#certificates/actions/expire_certificates'
import RevokeCertificate from '#certificates/actions/revoke_certificate'
import ReissueCertificate from '#certificates/actions/reissue_certificate'
import { givenOrg } from '#tests/helpers/given'
import { givenJob, runJobs } from '#tests/helpers/certificates'
import { decodeQr } from '#tests/helpers/qr'
import { qrPayloadUrl, verificationUrl } from '#certificates/services/verification_links'
import { readDocument } from '#core/queries/org_files'
import StoredFile from '#core/models/stored_file'
import { listObjectKeys, putObjects } from '#core/actions/store_objects'
import SweepJobObjects from '#certificates/actions/sweep_job_objects'
import { extractText, rasterizePage } from '#templates/services/rasterize'

test.group('Certificates: lifecycle', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('expiry: "N months after issue" dates each certificate; the sweep expires only those past it and is idempotent', async ({
    assert,
  }) => {
    const { org } = await givenOrg()
    const { job } = await givenJob(org, {
      count: 3,
      issueDate: '2026-01-10',
      expiry: { mode: 'months', months: 6 },
    })
    await runJobs()
    const certificates = await Certificate.query().where('generation_job_id', job.id)
    for (const certificate of certificates) {
      assert.equal(certificate.expiryDate, '2026-07-10')
      assert.equal(certificate.expiresAt!.toUTC().toISO(), '2026-07-11T00:00:00.000Z')
    }
    assert.equal(await ExpireCertificates.handle(DateTime.fromISO('2026-07-10T23:59:59Z')), 0)
    assert.equal(await ExpireCertificates.handle(DateTime.fromISO('2026-07-11T00:00:00Z')), 3)
    assert.equal(await ExpireCertificates.handle(DateTime.fromISO('2026-07-12T00:00:00Z')), 0)
    const expired = await Certificate.query()
      .where('generation_job_id', job.id)
      .where('status', 'expired')
    assert.lengthOf(expired, 3)
    // An expired certificate can still be revoked; a revoked one is never expired or revived by the sweep.
    const revoked = await RevokeCertificate.handle({
      org,
      certificateId: expired[0].id,
      reason: 'Fraud',
      actorUserId: null,
    })
    assert.equal(revoked.kind, 'revoked')
    await ExpireCertificates.handle(DateTime.fromISO('2027-01-01T00:00:00Z'))
    await expired[0].refresh()
    assert.equal(expired[0].status, 'revoked')
  })

  test('the QR code drawn in an issued PDF decodes to the verification URL (flagged as a scan); the PDF has no active content', async ({
    assert,
  }) => {
    const { org } = await givenOrg()
    const { job } = await givenJob(org, { count: 1 })
    await runJobs()
    const certificate = await Certificate.query().where('generation_job_id', job.id).firstOrFail()
    const bytes = await readDocument(await StoredFile.findOrFail(certificate.certificateFileId))
    const png = await rasterizePage(bytes, { width: 1600, format: 'png' })
    const qr = await decodeQr(png.bytes)
    const decoded = qr?.data
    assert.equal(decoded, qrPayloadUrl(certificate.id))
    assert.equal(
      new URL(decoded!).origin + new URL(decoded!).pathname,
      verificationUrl(certificate.id)
    )
    const raw = Buffer.from(bytes).toString('latin1')
    for (const key of [
      '/JavaScript',
      '/JS ',
      '/OpenAction',
      '/AA ',
      '/Launch',
      '/EmbeddedFiles',
      '/RichMedia',
      '/Annots',
    ])
      assert.notInclude(raw, key)
    const text = await extractText(bytes)
    assert.include(text, certificate.certificateNumber)
    assert.include(text, 'Learner 1')
  })

  test('a reissue carries the corrected data and keeps the issue and expiry dates', async ({
    assert,
  }) => {
    const { org } = await givenOrg()
    const { job } = await givenJob(org, {
      count: 1,
      issueDate: '2026-02-01',
      expiry: { mode: 'date', date: '2028-02-01' },
    })
    await runJobs()
    const old = await Certificate.query().where('generation_job_id', job.id).firstOrFail()
    const result = await ReissueCertificate.handle({
      org,
      certificateId: old.id,
      changes: { recipient_name: 'Learner Uno', course_name: 'Data Science II' },
      actorUserId: null,
    })
    assert.equal(result.kind, 'reissued')
    if (result.kind !== 'reissued') return
    assert.equal(result.certificate.issueDate, '2026-02-01')
    assert.equal(result.certificate.expiryDate, '2028-02-01')
    assert.equal(result.certificate.title, 'Data Science II')
    const text = await extractText(
      await readDocument(await StoredFile.findOrFail(result.certificate.certificateFileId))
    )
    assert.include(text, 'Learner Uno')
    assert.include(text, 'Data Science II')
  })

  test('the orphan sweep removes objects of a finished job that no row points at, spares recent ones, and skips a job without retried or failed chunks', async ({
    assert,
  }) => {
    const { org } = await givenOrg()
    const { job } = await givenJob(org, { count: 2 })
    await runJobs()
    const registeredFiles = await StoredFile.query()
      .where('organization_id', org.id)
      .whereLike('path', `certificates/${org.id}/${job.id}/%`)
    const registered = registeredFiles.map((file) => file.path)
    assert.sameMembers(await listObjectKeys(`certificates/${org.id}/${job.id}/`), registered)
    const orphan = `certificates/${org.id}/${job.id}/bases/99-0.pdf`
    await putObjects([{ orgId: org.id, key: orphan, bytes: new Uint8Array([1, 2, 3]) }])
    // Every chunk was done at its first attempt: nothing can have been left, nothing is listed.
    assert.equal(await SweepJobObjects.handle(job, Date.now() + 11 * 60_000), 0)
    assert.equal(await SweepJobObjects.handle(job, Date.now(), { always: true }), 0)
    assert.equal(await SweepJobObjects.handle(job, Date.now() + 11 * 60_000, { always: true }), 1)
    assert.sameMembers(await listObjectKeys(`certificates/${org.id}/${job.id}/`), registered)
    // A chunk that needed a second attempt: the job is swept.
    await putObjects([{ orgId: org.id, key: orphan, bytes: new Uint8Array([1, 2, 3]) }])
    await db.from('generation_job_chunks').where('job_id', job.id).update({ attempts: 2 })
    assert.equal(await SweepJobObjects.handle(job, Date.now() + 11 * 60_000), 1)
    assert.sameMembers(await listObjectKeys(`certificates/${org.id}/${job.id}/`), registered)
  })
})
