import { test } from '@japa/runner'
import type { Assert } from '@japa/assert'
import db from '@adonisjs/lucid/services/db'
import generation from '#config/generation'
import type Organization from '#orgs/models/organization'
import GenerationJob from '#certificates/models/generation_job'
import { givenOrg } from '#tests/helpers/given'
import { givenJob } from '#tests/helpers/certificates'
import { removeOrgData } from '#tests/helpers/certificates_cleanup'
import {
  type Spawned,
  connection,
  exitOf,
  freePort,
  healthy,
  refused,
  server,
  spawned,
  startedProcesses,
  waitFor,
} from '#tests/helpers/processes'

/*
| Stopping on SIGTERM (bin/server.ts, ARCHITECTURE.md "Stopping"), with real
| processes on the test database: the server as `npm start` runs it, and
| `node ace queue:work`. No timing is asserted; each wait has a generous
| ceiling that only a process that never gets there reaches.
*/

/** A committed job of `recipients` in chunks of 200, started (its chunks available to any worker). */
async function givenIssuingJob(org: Organization, recipients: number) {
  const previous = generation.chunkSize
  generation.chunkSize = 200
  try {
    const { job } = await givenJob(org, { count: recipients })
    return job
  } finally {
    generation.chunkSize = previous
  }
}

/** The chunks of `jobId` that process `pid` holds a lease on. */
function heldBy(query: any, jobId: string, pid: number) {
  return query
    .where('q.subject_id', jobId)
    .where('q.state', 'executing')
    .whereLike('q.lease_owner', `%:${pid}:%`)
}

/**
 * Waits until `worker` is in the middle of a chunk of `jobId` (it holds it and its first
 * transaction, which reserves the chunk's numbers, has committed), SIGTERMs it, and returns
 * what it held then, its exit, and how long the stop took.
 */
async function stopMidChunk(worker: Spawned, jobId: string) {
  const pid = worker.child.pid!
  await waitFor('the worker to be issuing a chunk', async () => {
    if (worker.child.exitCode !== null) throw new Error(`it exited:\n${worker.output()}`)
    const chunks = db.from('queue_jobs as q').join('generation_job_chunks as c', 'c.id', 'q.id')
    return Boolean(await heldBy(chunks, jobId, pid).whereNotNull('c.first_number').first())
  })
  const held: Array<{ id: string }> = await heldBy(db.from('queue_jobs as q'), jobId, pid).select(
    'q.id'
  )
  const startedAt = performance.now()
  worker.child.kill('SIGTERM')
  const exit = await exitOf(worker)
  return { held, exit, stopMs: Math.round(performance.now() - startedAt) }
}

/** The chunks of `jobId` among `held` that were given back rather than finished, checked as such. */
async function assertGivenBack(assert: Assert, jobId: string, held: Array<{ id: string }>) {
  const rows = await db
    .from('queue_jobs')
    .where('subject_id', jobId)
    .select('id', 'state', 'attempts', 'lease_owner', 'lease_token', 'lease_expires_at')
  assert.isFalse(
    rows.some((row) => row.state === 'executing'),
    'no chunk is left leased by the stopped process'
  )
  const givenBack = rows.filter((row) =>
    held.some((h) => h.id === row.id && row.state !== 'completed')
  )
  assert.isAbove(givenBack.length, 0, 'the chunk being issued was given back, not finished')
  for (const row of givenBack) {
    assert.equal(row.state, 'available')
    assert.equal(Number(row.attempts), 0, 'the interrupted attempt is not counted')
    assert.isNull(row.lease_owner)
    assert.isNull(row.lease_token)
    assert.isNull(row.lease_expires_at)
  }
  return givenBack.map((row) => row.id as string)
}

/**
 * `queue:work --once` finishes the job, then every certificate was issued exactly once with
 * numbers 1..N, and each chunk given back took one attempt in all. With the default 60 s
 * lease, a chunk left leased would be unclaimable and `--once` would exit with the job unfinished.
 */
async function assertFinishedExactlyOnce(
  assert: Assert,
  start: (spawnedProcess: Spawned) => Spawned,
  org: Organization,
  jobId: string,
  recipients: number,
  givenBack: string[]
) {
  const worker = start(
    spawned(['ace', 'queue:work', '--once', '--lanes=2'], { GENERATION_THREADS: '1' })
  )
  assert.deepEqual(await exitOf(worker, 300_000), { code: 0, signal: null }, worker.output())
  assert.notInclude(worker.output(), 'still held the process')

  const done = await GenerationJob.findOrFail(jobId)
  assert.equal(done.status, 'completed')
  assert.equal(done.completedItems, recipients)
  assert.equal(done.failedItems, 0)
  const certificates = await db
    .from('certificates')
    .where('generation_job_id', jobId)
    .orderBy('sequence_number', 'asc')
    .select('sequence_number', 'generation_job_recipient_id')
  assert.deepEqual(
    certificates.map((row) => Number(row.sequence_number)),
    Array.from({ length: recipients }, (_, i) => i + 1),
    'numbers 1..N, each once: a chunk given back reused its reserved block'
  )
  assert.equal(
    new Set(certificates.map((row) => row.generation_job_recipient_id)).size,
    recipients,
    'every recipient issued exactly once'
  )
  const usage = await db
    .from('billing_usage_events')
    .where('organization_id', org.id)
    .count('* as n')
    .first()
  assert.equal(Number(usage.n), recipients, 'one usage event per certificate')
  const after = await db
    .from('queue_jobs')
    .where('subject_id', jobId)
    .select('id', 'state', 'attempts')
  assert.isTrue(after.every((row) => row.state === 'completed'))
  for (const id of givenBack)
    assert.equal(Number(after.find((row) => row.id === id)!.attempts), 1, 'one attempt in all')
}

test.group('Stopping on SIGTERM (real processes)', (group) => {
  const orgs: Organization[] = []
  const { started, stopStarted } = startedProcesses()
  group.each.teardown(async () => {
    await stopStarted()
    for (const org of orgs.splice(0)) await removeOrgData(org.id)
  })

  test('SIGTERM mid-job: the server exits 0 having given its chunks back (lease cleared, attempt not counted), and a worker started afterwards issues every certificate exactly once', async ({
    assert,
  }) => {
    const { org } = await givenOrg()
    orgs.push(org)
    const job = await givenIssuingJob(org, 600)
    // No grace: whatever the server holds when it is told to stop goes back to the queue.
    const port = await freePort()
    const web = started(
      server(port, { SHUTDOWN_TIMEOUT_MS: '0', QUEUE_LANES: '2', GENERATION_THREADS: '1' })
    )
    await healthy(port, web)
    const { held, exit, stopMs } = await stopMidChunk(web, job.id)
    assert.deepEqual(exit, { code: 0, signal: null }, web.output())
    assert.notInclude(web.output(), 'still held the process')
    const givenBack = await assertGivenBack(assert, job.id, held)
    await assertFinishedExactlyOnce(assert, started, org, job.id, 600, givenBack)
    console.log(`    (measured: the server stopped mid-job in ${stopMs} ms)`)
  }).timeout(480_000)

  test('SIGTERM mid-job: `queue:work` gives its chunks back before the database closes and exits 0 with nothing left open; another worker finishes the job exactly once', async ({
    assert,
  }) => {
    const { org } = await givenOrg()
    orgs.push(org)
    const job = await givenIssuingJob(org, 400)
    const worker = started(
      spawned(['ace', 'queue:work', '--lanes=2'], {
        SHUTDOWN_TIMEOUT_MS: '0',
        GENERATION_THREADS: '1',
      })
    )
    const { held, exit, stopMs } = await stopMidChunk(worker, job.id)
    assert.deepEqual(exit, { code: 0, signal: null }, worker.output())
    // Its runs' last queries after the database closed used to open a new pool that held the process.
    assert.notInclude(worker.output(), 'still held the process')
    assert.notInclude(worker.output(), 'took longer than')
    const givenBack = await assertGivenBack(assert, job.id, held)
    await assertFinishedExactlyOnce(assert, started, org, job.id, 400, givenBack)
    console.log(`    (measured: queue:work stopped mid-job in ${stopMs} ms)`)
  }).timeout(480_000)

  test('SIGTERM with a request in flight: new connections are refused and idle ones closed at once, the request completes (Connection: close), then the server exits 0', async ({
    assert,
  }) => {
    const port = await freePort()
    // A grace far longer than the test: only the request finishing can end this stop.
    const web = started(server(port, { SHUTDOWN_TIMEOUT_MS: '120000', QUEUE_WORKER: 'off' }))
    await healthy(port, web)

    // A keep-alive connection that has had its answer, and one a browser opened and left unused.
    const idle = connection(port)
    await idle.connected
    idle.socket.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n')
    await waitFor('the keep-alive answer', () => idle.state.received.includes('"status":"ok"'))
    assert.match(idle.state.received, /connection: keep-alive/i)
    const unused = connection(port)
    await unused.connected

    // A slow upload: the request has begun (the server said 100 Continue) and its body is unfinished.
    const body = 'email=owner%40example.test&password=not-the-password'
    const slow = connection(port)
    await slow.connected
    slow.socket.write(
      'POST /login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\n' +
        `Content-Length: ${body.length}\r\nExpect: 100-continue\r\n\r\n`
    )
    await waitFor('100 Continue', () => slow.state.received.includes('100 Continue'))
    slow.socket.write(body.slice(0, 10))

    const startedAt = performance.now()
    web.child.kill('SIGTERM')
    await waitFor('new connections to be refused', () => refused(port), 60_000)
    await waitFor('the idle keep-alive connection to be closed', () => idle.state.closed, 60_000)
    await waitFor('the unused connection to be closed', () => unused.state.closed, 60_000)
    const idleClosedMs = Math.round(performance.now() - startedAt)
    assert.isFalse(slow.state.closed, 'the request in flight is waited for')
    assert.equal(slow.state.received.trim(), 'HTTP/1.1 100 Continue', 'and not yet answered')
    assert.isNull(web.child.exitCode, 'the server waits for its request in flight')

    slow.socket.write(body.slice(10))
    await waitFor('the answer and the end of the connection', () => slow.state.closed, 60_000)
    const answer = slow.state.received.split('\r\n\r\n').slice(1).join('\r\n\r\n')
    assert.match(answer, /^HTTP\/1\.1 [1-5]\d\d /, 'the request was answered')
    assert.match(answer, /\r\nconnection: close\r\n/i, 'and told the client the connection ends')
    assert.deepEqual(await exitOf(web), { code: 0, signal: null }, web.output())
    console.log(
      `    (measured: idle connections closed and new ones refused ${idleClosedMs} ms after SIGTERM)`
    )
  }).timeout(180_000)

  test('a second signal ends a stopping server at once, request in flight or not', async ({
    assert,
  }) => {
    const port = await freePort()
    const web = started(server(port, { SHUTDOWN_TIMEOUT_MS: '120000', QUEUE_WORKER: 'off' }))
    await healthy(port, web)
    const slow = connection(port)
    await slow.connected
    slow.socket.write(
      'POST /login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\n' +
        'Content-Length: 100\r\nExpect: 100-continue\r\n\r\n'
    )
    await waitFor('100 Continue', () => slow.state.received.includes('100 Continue'))

    web.child.kill('SIGTERM')
    await waitFor('new connections to be refused', () => refused(port), 60_000)
    assert.isNull(web.child.exitCode, 'the first signal waits for the request in flight')
    web.child.kill('SIGTERM')
    assert.deepEqual(await exitOf(web), { code: 143, signal: null }, web.output())
    await waitFor('the cut connection', () => slow.state.closed, 60_000)
  }).timeout(180_000)
})
