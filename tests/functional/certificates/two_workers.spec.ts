import { type ChildProcess, spawn } from 'node:child_process'
import { test } from '@japa/runner'
import app from '@adonisjs/core/services/app'
import db from '@adonisjs/lucid/services/db'
import generation from '#config/generation'
import type Organization from '#orgs/models/organization'
import GenerationJob from '#certificates/models/generation_job'
import { issueChunk } from '#certificates/services/generation_queue'
import { givenOrg } from '#tests/helpers/given'
import { givenJob } from '#tests/helpers/certificates'
import { removeOrgData } from '#tests/helpers/certificates_cleanup'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const RECIPIENTS = 2000
const CHUNK = 40

/** `node ace queue:work` against the test database and storage, with a short lease. */
function standaloneWorker(): ChildProcess {
  return spawn(process.execPath, ['ace', 'queue:work', '--lanes=2'], {
    cwd: app.makePath(),
    env: {
      ...process.env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      QUEUE_LEASE_SECONDS: '2',
      GENERATION_THREADS: '1',
    },
    stdio: 'ignore',
  })
}

const exited = (worker: ChildProcess) =>
  new Promise((resolve) =>
    worker.exitCode !== null || worker.signalCode !== null
      ? resolve(null)
      : worker.once('exit', resolve)
  )

const issuedCount = async (jobId: string) => {
  const issued = await db
    .from('certificates')
    .where('generation_job_id', jobId)
    .count('* as n')
    .first()
  return Number(issued.n)
}

/** The chunks each worker process holds a lease on right now. */
const executingBy = async (jobId: string, worker: ChildProcess) => {
  const rows = await db
    .from('queue_jobs')
    .where('subject_id', jobId)
    .where('state', 'executing')
    .whereLike('lease_owner', `%:${worker.pid}:%`)
    .count('* as n')
    .first()
  return Number(rows.n)
}

test.group(
  'Generation: two standalone workers on PostgreSQL (committed, real processes)',
  (group) => {
    const orgs: Organization[] = []
    const workers: ChildProcess[] = []
    group.each.teardown(async () => {
      for (const worker of workers.splice(0)) {
        if (worker.exitCode === null && worker.signalCode === null) worker.kill('SIGKILL')
        await exited(worker)
      }
      for (const org of orgs.splice(0)) await removeOrgData(org.id)
    })

    test('two `queue:work` processes share a job of 2,000 certificates; one is SIGKILLed mid-job and the other finishes it: every certificate exactly once, numbers unique and contiguous', async ({
      assert,
    }) => {
      const { org } = await givenOrg()
      orgs.push(org)
      const previous = generation.chunkSize
      generation.chunkSize = CHUNK
      const { job } = await givenJob(org, { count: RECIPIENTS }).finally(() => {
        generation.chunkSize = previous
      })

      const doomed = standaloneWorker()
      const survivor = standaloneWorker()
      workers.push(doomed, survivor)
      // Both are issuing (each holds a lease) and some of the job is done: kill one in the middle of its chunks.
      const started = Date.now()
      let bothWorking = false
      while (Date.now() - started < 120_000) {
        if (doomed.exitCode !== null || survivor.exitCode !== null) break
        const [mine, theirs, issued] = await Promise.all([
          executingBy(job.id, doomed),
          executingBy(job.id, survivor),
          issuedCount(job.id),
        ])
        if (mine > 0 && theirs > 0 && issued >= 200) {
          bothWorking = true
          break
        }
        await sleep(50)
      }
      assert.isTrue(bothWorking, 'both workers held leases on the job before the kill')
      doomed.kill('SIGKILL')
      await exited(doomed)
      // What the dead worker still held once it was dead (read before the kill, a chunk it
      // completed in between would count as held).
      const held = await db
        .from('queue_jobs')
        .where('subject_id', job.id)
        .where('state', 'executing')
        .whereLike('lease_owner', `%:${doomed.pid}:%`)
        .select('id')
      const issuedAtKill = await issuedCount(job.id)
      assert.isBelow(issuedAtKill, RECIPIENTS, 'the kill happened mid-job')

      // The survivor takes over the dead worker's chunks once their 2 s leases run out.
      let done = await GenerationJob.findOrFail(job.id)
      while (Date.now() - started < 420_000 && !done.isFinished) {
        await sleep(250)
        done = await GenerationJob.findOrFail(job.id)
      }
      // SIGTERM: the survivor finishes what it holds (nothing now) and exits.
      survivor.kill('SIGTERM')
      const stopped = await Promise.race([
        exited(survivor).then(() => true),
        sleep(30_000).then(() => false),
      ])
      assert.isTrue(stopped, 'queue:work exits within 30 s of SIGTERM')

      assert.equal(done.status, 'completed')
      assert.equal(done.completedItems, RECIPIENTS)
      assert.equal(done.failedItems, 0)
      const certificates = await db
        .from('certificates')
        .where('generation_job_id', job.id)
        .orderBy('sequence_number', 'asc')
        .select('sequence_number', 'certificate_number', 'generation_job_recipient_id')
      assert.lengthOf(certificates, RECIPIENTS)
      assert.deepEqual(
        certificates.map((row) => Number(row.sequence_number)),
        Array.from({ length: RECIPIENTS }, (_, i) => i + 1),
        'numbers 1..N, each once'
      )
      assert.equal(new Set(certificates.map((row) => row.certificate_number)).size, RECIPIENTS)
      assert.equal(
        new Set(certificates.map((row) => row.generation_job_recipient_id)).size,
        RECIPIENTS,
        'every recipient issued once'
      )
      const usage = await db
        .from('billing_usage_events')
        .where('organization_id', org.id)
        .count('* as n')
        .first()
      assert.equal(Number(usage.n), RECIPIENTS, 'one usage event per certificate')

      const chunks = await db
        .from('queue_jobs')
        .where('kind', issueChunk.kind)
        .where('subject_id', job.id)
        .select('id', 'state', 'attempts', 'lease_owner')
      assert.lengthOf(chunks, RECIPIENTS / CHUNK)
      assert.isTrue(chunks.every((chunk) => chunk.state === 'completed'))
      // What the dead worker held was taken over: a second attempt each, by the survivor.
      assert.isAbove(held.length, 0)
      for (const { id } of held) {
        const chunk = chunks.find((candidate) => candidate.id === id)!
        assert.equal(chunk.attempts, 2, `chunk ${id} was claimed again after the kill`)
      }
    })
      .skip(
        () => db.connection().dialect.name !== 'postgres',
        'Skipped on SQLite: two workers claiming side by side is the PostgreSQL case (FOR UPDATE SKIP LOCKED); it runs in the PostgreSQL pass of the suite.'
      )
      .timeout(480_000)
  }
)
