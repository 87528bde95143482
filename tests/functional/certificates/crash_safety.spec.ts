import { type ChildProcess, spawn } from 'node:child_process'
import { test } from '@japa/runner'
import app from '@adonisjs/core/services/app'
import db from '@adonisjs/lucid/services/db'
import generation from '#config/generation'
import type Organization from '#orgs/models/organization'
import StoredFile from '#core/models/stored_file'
import { readDocument } from '#core/queries/org_files'
import { sha256Hex } from '#core/actions/store_file'
import { listObjectKeys } from '#core/actions/store_objects'
import Certificate from '#certificates/models/certificate'
import GenerationJob from '#certificates/models/generation_job'
import ProcessChunk from '#certificates/actions/process_chunk'
import { claimNext } from '#core/queue/claim'
import { LeaseLostError, RunningJob } from '#core/queue/running_job'
import type { ChunkPayload } from '#certificates/actions/process_chunk'
import { issueChunk } from '#certificates/services/generation_queue'
import { givenOrg } from '#tests/helpers/given'
import { givenJob, runJobs } from '#tests/helpers/certificates'
import { removeOrgData } from '#tests/helpers/certificates_cleanup'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** `node ace queue:work` against the test database and storage, with a short lease. */
function standaloneWorker(args: string[] = []): ChildProcess {
  return spawn(process.execPath, ['ace', 'queue:work', '--lanes=2', ...args], {
    cwd: app.makePath(),
    env: {
      ...process.env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      GENERATION_LEASE_SECONDS: '2',
      GENERATION_THREADS: '2',
    },
    stdio: 'ignore',
  })
}

const issuedCount = async (jobId: string) => {
  const issued = await db
    .from('certificates')
    .where('generation_job_id', jobId)
    .where('status', 'issued')
    .count('* as n')
    .first()
  return Number(issued.n)
}

test.group('Generation: crash safety (committed, real worker processes)', (group) => {
  const orgs: Organization[] = []
  group.each.teardown(async () => {
    for (const org of orgs.splice(0)) await removeOrgData(org.id)
  })

  test('a standalone worker SIGKILLed mid-job again and again: every certificate exactly once, every PDF present and matching, no orphan objects', async ({
    assert,
  }) => {
    const { org } = await givenOrg()
    orgs.push(org)
    const previous = generation.chunkSize
    generation.chunkSize = 15
    let job: GenerationJob
    try {
      const created = await givenJob(org, { count: 240, templates: 1 })
      job = created.job
    } finally {
      generation.chunkSize = previous
    }

    let kills = 0
    for (let round = 0; round < 6; round++) {
      const before = await issuedCount(job.id)
      if (before >= 240) break
      const worker = standaloneWorker()
      const started = Date.now()
      // Kill it once it has started issuing (or after a while), in the middle of whatever it is doing.
      while (
        Date.now() - started < 60_000 &&
        (await issuedCount(job.id)) < before + 10 + round * 3 &&
        worker.exitCode === null
      )
        await sleep(40)
      await sleep(round * 37)
      worker.kill('SIGKILL')
      await new Promise((resolve) =>
        worker.exitCode !== null ? resolve(null) : worker.once('exit', resolve)
      )
      kills++
    }
    assert.isAtLeast(kills, 3)
    // Leases of the killed workers run out after 2 s; then a last worker finishes the job.
    for (let attempt = 0; attempt < 6; attempt++) {
      await sleep(2_500)
      const finisher = standaloneWorker(['--once'])
      await new Promise((resolve) => finisher.once('exit', resolve))
      const polled = await GenerationJob.findOrFail(job.id)
      if (polled.status === 'completed') break
    }

    const done = await GenerationJob.findOrFail(job.id)
    assert.equal(done.status, 'completed')
    assert.equal(done.completedItems, 240)
    const certificates = await Certificate.query()
      .where('generation_job_id', job.id)
      .orderBy('sequence_number', 'asc')
    assert.lengthOf(certificates, 240)
    assert.deepEqual(
      certificates.map((c) => c.sequenceNumber),
      Array.from({ length: 240 }, (_, i) => i + 1)
    )
    assert.equal(new Set(certificates.map((c) => c.generationJobRecipientId)).size, 240)
    const files = await StoredFile.query()
      .where('organization_id', org.id)
      .where('kind', 'certificate_pdf')
    for (const certificate of certificates) {
      const file = files.find((candidate) => candidate.id === certificate.certificateFileId)!
      assert.equal(sha256Hex(await readDocument(file)), certificate.sha256)
    }
    const keys = await listObjectKeys(`certificates/${org.id}/${job.id}/`)
    assert.sameMembers(
      keys,
      files.map((file) => file.path)
    )
    const usageCount = await db
      .from('billing_usage_events')
      .where('organization_id', org.id)
      .count('* as n')
      .first()
    assert.equal(Number(usageCount.n), 240)
  }).timeout(300_000)

  test('a worker whose lease ran out and was taken over writes nothing when it wakes up', async ({
    assert,
  }) => {
    const { org } = await givenOrg()
    orgs.push(org)
    const { job } = await givenJob(org, { count: 5 })
    const stale = new RunningJob<ChunkPayload>(
      (await claimNext('paused-worker', [issueChunk.kind]))!
    )
    assert.equal(stale.payload.jobId, job.id)
    // The paused worker's lease runs out; another worker claims the chunk and issues it.
    await db
      .from('queue_jobs')
      .where('id', stale.id)
      .update({ lease_expires_at: '2000-01-01 00:00:00' })
    await runJobs()
    assert.equal(await issuedCount(job.id), 5)
    const before = await db
      .from('certificates')
      .where('generation_job_id', job.id)
      .select('id', 'sha256', 'certificate_file_id')
    // The paused worker wakes up and carries on with its old claim.
    await assert.rejects(() => ProcessChunk.handle(stale), LeaseLostError)
    const after = await db
      .from('certificates')
      .where('generation_job_id', job.id)
      .select('id', 'sha256', 'certificate_file_id')
    assert.sameDeepMembers(after, before)
    const chunk = await db.from('generation_job_chunks').where('id', stale.id).first()
    assert.equal(chunk.status, 'done')
    const queued = await db.from('queue_jobs').where('id', stale.id).first()
    assert.equal(queued.state, 'completed')
    assert.equal(queued.attempts, 2)
  }).timeout(60_000)
})
