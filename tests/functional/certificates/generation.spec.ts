import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import db from '@adonisjs/lucid/services/db'
import Certificate from '#certificates/models/certificate'
import StoredFile from '#core/models/stored_file'
import { readDocument } from '#core/queries/org_files'
import { sha256Hex } from '#core/actions/store_file'
import { givenOrg } from '#tests/helpers/given'
import { givenJob, runJobs } from '#tests/helpers/certificates'

test.group('Generation: a job from an import', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('every recipient × template gets a numbered certificate whose PDF matches its SHA-256', async ({
    assert,
  }) => {
    const { org } = await givenOrg()
    const { job } = await givenJob(org, { count: 5, templates: 2 })
    assert.equal(job.totalItems, 10)
    const done = await runJobs(job.id)
    assert.equal(done!.status, 'completed')
    assert.equal(done!.completedItems, 10)
    const certificates = await Certificate.query()
      .where('generation_job_id', job.id)
      .orderBy('sequence_number', 'asc')
    assert.lengthOf(certificates, 10)
    assert.deepEqual(
      certificates.map((c) => c.sequenceNumber),
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    )
    assert.match(certificates[0].certificateNumber, /^[A-Z0-9]+-2026-000001$/)
    for (const certificate of certificates) {
      assert.equal(certificate.status, 'issued')
      const file = await StoredFile.findOrFail(certificate.certificateFileId)
      assert.equal(
        file.path,
        `certificates/${org.id}/${job.id}/${certificate.generationJobRecipientId}/${certificate.id}.pdf`
      )
      const bytes = await readDocument(file)
      assert.equal(sha256Hex(bytes), certificate.sha256)
      assert.equal(Buffer.from(bytes.subarray(0, 5)).toString(), '%PDF-')
    }
    const usage = await db.from('billing_usage_events').where('organization_id', org.id)
    assert.lengthOf(usage, 10)
  })
})
