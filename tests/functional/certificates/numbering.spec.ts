import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import { v7 as uuidv7 } from 'uuid'
import { formatCertificateNumber } from '#core/services/certificate_number'
import generation from '#config/generation'
import type Organization from '#orgs/models/organization'
import { allocateNumbers } from '#certificates/services/numbering'
import { QueueWorker } from '#core/queue/worker'
import GenerationJob from '#certificates/models/generation_job'
import Certificate from '#certificates/models/certificate'
import { givenOrg } from '#tests/helpers/given'
import { givenJob } from '#tests/helpers/certificates'
import { removeOrgData } from '#tests/helpers/certificates_cleanup'

/** One certificate row numbered in its own transaction, as issuance does; `rollback` throws after the insert. */
async function issueOne(
  org: Organization,
  template: { id: string; versionId: string },
  rollback: boolean
) {
  await db.transaction(async (trx) => {
    const sequence = await allocateNumbers(trx, org.id, 1)
    const id = uuidv7()
    const now = new Date().toISOString().replace('T', ' ').slice(0, 19)
    await trx.table('certificates').insert({
      id,
      organization_id: org.id,
      template_id: template.id,
      template_version_id: template.versionId,
      title: 'Numbering',
      recipient_name: `Person ${sequence}`,
      recipient_data: JSON.stringify({}),
      certificate_number: formatCertificateNumber(org.certificateNumberFormat, {
        prefix: org.certificateNumberPrefix,
        date: new Date(),
        sequence,
      }),
      sequence_number: sequence,
      status: 'issued',
      issue_date: '2026-03-15',
      verification_token_hash: id.replace(/-/g, '').padEnd(64, '0'),
      created_at: now,
      updated_at: now,
    })
    if (rollback) throw new Error('forced rollback')
  })
}

test.group('Numbering under concurrency (committed, no test transaction)', (group) => {
  const orgs: Organization[] = []
  group.each.teardown(async () => {
    for (const org of orgs.splice(0)) await removeOrgData(org.id)
  })

  test('500 issuances at once with forced rollbacks in between → exactly 1..500; another org counts on its own', async ({
    assert,
  }) => {
    const { org } = await givenOrg()
    const { org: other } = await givenOrg()
    orgs.push(org, other)
    const { job } = await givenJob(org, { count: 1, start: false })
    const version = await db.from('generation_job_templates').where('job_id', job.id).firstOrFail()
    const template = { id: version.template_id, versionId: version.template_version_id }
    const { job: otherJob } = await givenJob(other, { count: 1, start: false })
    const otherVersion = await db
      .from('generation_job_templates')
      .where('job_id', otherJob.id)
      .firstOrFail()

    const attempts: Promise<unknown>[] = []
    let rollbacks = 0
    for (let i = 0; i < 600; i++) {
      const rollback = i % 6 === 5
      if (rollback) rollbacks++
      attempts.push(
        issueOne(org, template, rollback).catch((error) =>
          error.message === 'forced rollback' ? null : Promise.reject(error)
        )
      )
      if (i % 10 === 0)
        attempts.push(
          issueOne(
            other,
            { id: otherVersion.template_id, versionId: otherVersion.template_version_id },
            false
          )
        )
    }
    await Promise.all(attempts)
    assert.equal(rollbacks, 100)
    const rows = await db
      .from('certificates')
      .where('organization_id', org.id)
      .orderBy('sequence_number', 'asc')
      .select('sequence_number', 'certificate_number')
    assert.deepEqual(
      rows.map((row) => Number(row.sequence_number)),
      Array.from({ length: 500 }, (_, i) => i + 1)
    )
    assert.match(
      rows[499].certificate_number,
      new RegExp(`^${org.certificateNumberPrefix}-\\d{4}-000500$`)
    )
    const others = await db
      .from('certificates')
      .where('organization_id', other.id)
      .orderBy('sequence_number', 'asc')
      .select('sequence_number')
    assert.deepEqual(
      others.map((row) => Number(row.sequence_number)),
      Array.from({ length: 60 }, (_, i) => i + 1)
    )
  }).timeout(120_000)

  test('two workers with several lanes each issue a job in small chunks: every certificate once, numbers 1..N', async ({
    assert,
  }) => {
    const { org } = await givenOrg()
    orgs.push(org)
    const previous = generation.chunkSize
    generation.chunkSize = 7
    try {
      const { job } = await givenJob(org, { count: 60, templates: 2 })
      const workers = [
        new QueueWorker({ lanes: 3, exitWhenIdle: true }),
        new QueueWorker({ lanes: 3, exitWhenIdle: true }),
      ]
      workers.forEach((worker) => worker.start())
      await Promise.all(workers.map((worker) => worker.finished()))
      const done = await GenerationJob.findOrFail(job.id)
      assert.equal(done.status, 'completed')
      assert.equal(done.completedItems, 120)
      const certificates = await Certificate.query()
        .where('generation_job_id', job.id)
        .orderBy('sequence_number', 'asc')
      assert.deepEqual(
        certificates.map((c) => c.sequenceNumber),
        Array.from({ length: 120 }, (_, i) => i + 1)
      )
      assert.equal(
        new Set(certificates.map((c) => `${c.generationJobRecipientId}:${c.templateId}`)).size,
        120
      )
    } finally {
      generation.chunkSize = previous
    }
  }).timeout(120_000)
})
