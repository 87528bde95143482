import { utimes } from 'node:fs/promises'
import { join } from 'node:path'
import { DateTime } from 'luxon'
import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import ace from '@adonisjs/core/services/ace'
import db from '@adonisjs/lucid/services/db'
import type Organization from '#orgs/models/organization'
import StoredFile from '#core/models/stored_file'
import { listObjectKeys, putObjects } from '#core/actions/store_objects'
import { dbTimestamp } from '#core/services/database_time'
import { storageLocation } from '#config/drive'
import CertificatesSweepOrphans from '../../../commands/certificates_sweep_orphans.js'
import { givenOrg } from '#tests/helpers/given'
import { givenJob, runJobs } from '#tests/helpers/certificates'

async function run(argv: string[] = []) {
  ace.ui.logger.flushLogs()
  const command = await ace.create(CertificatesSweepOrphans, argv)
  await command.exec()
  return { command, logs: command.ui.logger.getLogs().map((log) => log.message) }
}

/**
 * A finished job one of whose chunks needed a second attempt (so the sweep
 * looks at it). Storage is the fs disk in tests.
 */
async function givenRetriedJob(org: Organization) {
  const { job } = await givenJob(org, { count: 1 })
  await runJobs()
  await db.from('generation_job_chunks').where('job_id', job.id).update({ attempts: 2 })
  const prefix = `certificates/${org.id}/${job.id}/`
  const files = await StoredFile.query()
    .where('organization_id', org.id)
    .whereLike('path', `${prefix}%`)
  return { job, prefix, registered: files.map((file) => file.path) }
}

/** The job finished `ago`. */
async function finishedAgo(jobId: string, ago: { hours: number }) {
  await db
    .from('certificate_generation_jobs')
    .where('id', jobId)
    .update({ finished_at: dbTimestamp(undefined, DateTime.utc().minus(ago)) })
}

/** An object under the job's prefix that no file row points at, written 11 minutes ago (past the grace period). */
async function givenOrphan(orgId: string, prefix: string) {
  const key = `${prefix}bases/99-0.pdf`
  await putObjects([{ orgId, key, bytes: new Uint8Array([1, 2, 3]) }])
  const written = new Date(Date.now() - 11 * 60_000)
  await utimes(join(storageLocation(), key), written, written)
  return key
}

test.group('node ace certificates:sweep-orphans', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())
  group.each.setup(() => ace.ui.switchMode('raw'))
  group.each.teardown(() => ace.ui.switchMode('normal'))

  // Uploads a template and issues certificates first (seconds each): not a unit test's 10 s.
  test('deletes what failed attempts of jobs finished in the last day left; --hours reaches further back', async ({
    assert,
  }) => {
    const { org } = await givenOrg()
    const { job, prefix, registered } = await givenRetriedJob(org)

    await finishedAgo(job.id, { hours: 30 })
    const orphan = await givenOrphan(org.id, prefix)
    const untouched = await run()
    untouched.command.assertSucceeded()
    assert.deepEqual(untouched.logs, [
      '[ blue(info) ] 0 orphaned objects deleted (0 finished jobs looked at)',
    ])
    assert.include(await listObjectKeys(prefix), orphan)

    const further = await run(['--hours=48'])
    assert.deepEqual(further.logs, [
      '[ blue(info) ] 1 orphaned object deleted (1 finished job looked at)',
    ])
    assert.sameMembers(await listObjectKeys(prefix), registered)

    await finishedAgo(job.id, { hours: 2 })
    await givenOrphan(org.id, prefix)
    const recent = await run(['--quiet'])
    assert.deepEqual(recent.logs, [
      '[ blue(info) ] 1 orphaned object deleted (1 finished job looked at)',
    ])
    assert.sameMembers(await listObjectKeys(prefix), registered)

    const nothingLeft = await run(['--quiet'])
    assert.deepEqual(nothingLeft.logs, [], 'with --quiet, nothing deleted prints nothing')
  }).timeout(60_000)
})
