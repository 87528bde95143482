import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import ace from '@adonisjs/core/services/ace'
import db from '@adonisjs/lucid/services/db'
import queue from '#config/queue'
import { Queue, backoffMs } from '#core/queue/queue'
import { defineJob } from '#core/queue/registry'
import { claimNext } from '#core/queue/claim'
import { LeaseLostError, RunningJob } from '#core/queue/running_job'
import { runJob } from '#core/queue/worker'
import QueueJob from '#core/queue/queue_job'
import QueueFailed from '../../../commands/queue_failed.js'
import QueueRetry from '../../../commands/queue_retry.js'

/** What the test kinds saw, reset per test. */
const seen = { performed: [] as string[], failed: [] as string[], retried: [] as string[] }

const echo = defineJob<{ text: string }>('test.echo', {
  async perform(job) {
    await db.transaction(async (trx) => {
      await job.fence(trx)
      seen.performed.push(job.payload.text)
    })
  },
})

const flaky = defineJob<{ text: string }>('test.flaky', {
  maxAttempts: () => 2,
  async perform(job) {
    throw new Error(`no luck with ${job.payload.text} (attempt ${job.attempt})`)
  },
  async failed(_trx, job) {
    seen.failed.push(job.id)
  },
  async retried(_trx, jobs) {
    seen.retried.push(...jobs.map((job) => job.id))
  },
})

const limited = defineJob<{ key: string }>('test.limited', {
  concurrency: (payload) => ({ key: payload.key, limit: 1 }),
  async perform() {},
})

const KINDS = [echo.kind, flaky.kind, limited.kind]
const claim = async (owner = 'test-worker') => {
  const row = await claimNext(owner, KINDS)
  return row && new RunningJob<any>(row)
}
const stateOf = async (id: string) => {
  const job = await QueueJob.findOrFail(id)
  return job.state
}
const makeDue = (id: string) =>
  db.from('queue_jobs').where('id', id).update({ run_at: '2000-01-01 00:00:00' })

async function command<T extends typeof QueueFailed | typeof QueueRetry>(
  Command: T,
  argv: string[]
) {
  ace.ui.logger.flushLogs()
  const instance = await ace.create(Command, argv)
  await instance.exec()
  return {
    instance,
    logs: instance.ui.logger
      .getLogs()
      .map((log) => log.message)
      .join('\n'),
  }
}

test.group('Queue (core): claim, lease, retry, dead letters, concurrency', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())
  group.each.setup(() => {
    seen.performed = []
    seen.failed = []
    seen.retried = []
  })
  group.each.setup(() => ace.ui.switchMode('raw'))
  group.each.teardown(() => ace.ui.switchMode('normal'))

  test('a job enqueued in a transaction is claimed by one worker only, runs once and is completed', async ({
    assert,
  }) => {
    const id = await db.transaction((trx) => Queue.enqueue(trx, echo, { text: 'hello' }))
    const job = (await claim())!
    assert.equal(job.id, id)
    assert.equal(job.attempt, 1)
    assert.deepEqual(job.payload, { text: 'hello' })
    assert.isNull(await claim('another-worker'), 'leased: nobody else gets it')
    assert.equal(await runJob(job), 'completed')
    assert.deepEqual(seen.performed, ['hello'])
    const row = await QueueJob.findOrFail(id)
    assert.equal(row.state, 'completed')
    assert.isNull(row.leaseToken)
    assert.isNotNull(row.finishedAt)
    assert.isNull(await claim())
  })

  test('a job rolled back with its transaction was never enqueued', async ({ assert }) => {
    await db
      .transaction(async (trx) => {
        await Queue.enqueue(trx, echo, { text: 'lost' })
        throw new Error('rollback')
      })
      .catch(() => {})
    assert.isNull(await claim())
  })

  test('a failed attempt comes back after a backoff; after the last it is a dead letter with its hook, listed by queue:failed and run again by queue:retry', async ({
    assert,
  }) => {
    const id = await db.transaction((trx) => Queue.enqueue(trx, flaky, { text: 'x' }))
    const first = (await claim())!
    const before = Date.now()
    assert.equal(await runJob(first), 'retrying')
    const waiting = await QueueJob.findOrFail(id)
    assert.equal(waiting.state, 'available')
    assert.equal(waiting.lastError, 'no luck with x (attempt 1)')
    assert.isAbove(waiting.runAt.toMillis(), before + queue.backoffMs * 0.5 - 1000)
    assert.isNull(await claim(), 'not due before its backoff')

    await makeDue(id)
    const second = (await claim())!
    assert.equal(second.attempt, 2)
    assert.equal(await runJob(second), 'failed')
    const dead = await QueueJob.findOrFail(id)
    assert.equal(dead.state, 'failed')
    assert.equal(dead.lastError, 'no luck with x (attempt 2)')
    assert.deepEqual(seen.failed, [id])
    assert.isNull(await claim(), 'a dead letter is not claimed')

    const listed = await command(QueueFailed, [])
    assert.include(listed.logs, id)
    assert.include(listed.logs, 'test.flaky')

    const retried = await command(QueueRetry, [id])
    assert.equal(retried.instance.exitCode ?? 0, 0)
    assert.deepEqual(seen.retried, [id])
    const again = await QueueJob.findOrFail(id)
    assert.equal(again.state, 'available')
    assert.equal(again.attempts, 0)
    assert.isNull(again.lastError)
    assert.equal((await claim())!.id, id)
  })

  test('queue:retry without ids or --all refuses, and names an id that is not a dead letter', async ({
    assert,
  }) => {
    const bare = await command(QueueRetry, [])
    assert.equal(bare.instance.exitCode, 1)
    const unknown = await command(QueueRetry, ['0190a0b0-0000-7000-8000-000000000000', 'nonsense'])
    assert.equal(unknown.instance.exitCode, 1)
    assert.include(unknown.logs, 'nonsense: no failed job with this id')
  })

  test('a worker whose lease ran out and was taken over is fenced: it writes nothing and does not settle the job', async ({
    assert,
  }) => {
    const id = await db.transaction((trx) => Queue.enqueue(trx, echo, { text: 'late' }))
    const stale = (await claim('paused-worker'))!
    await db.from('queue_jobs').where('id', id).update({ lease_expires_at: '2000-01-01 00:00:00' })
    const rescuer = (await claim('rescuer'))!
    assert.equal(rescuer.id, id)
    assert.equal(rescuer.attempt, 2)
    await assert.rejects(() => stale.fence(), LeaseLostError)
    assert.equal(await runJob(stale), 'lost')
    assert.deepEqual(seen.performed, [], 'the stale worker committed nothing')
    const row = await QueueJob.findOrFail(id)
    assert.equal(row.state, 'executing')
    assert.equal(row.leaseOwner, 'rescuer')
    assert.equal(await runJob(rescuer), 'completed')
    assert.deepEqual(seen.performed, ['late'])
  })

  test('held jobs wait for release; cancel drops the jobs not begun and leaves an executing one to finish', async ({
    assert,
  }) => {
    const subjectId = '0190a0b0-0000-7000-8000-00000000000a'
    const [a, b] = await db.transaction((trx) =>
      Queue.enqueueMany(trx, echo, [
        { payload: { text: 'a' }, subjectId, held: true },
        { payload: { text: 'b' }, subjectId, held: true },
      ])
    )
    assert.isNull(await claim(), 'held')
    assert.equal(await db.transaction((trx) => Queue.release(trx, { kind: echo, subjectId })), 2)
    const running = (await claim())!
    assert.equal(running.id, a, 'oldest first')
    assert.equal(await db.transaction((trx) => Queue.cancel(trx, { kind: echo, subjectId })), 1)
    assert.equal(await stateOf(b), 'cancelled')
    assert.equal(await stateOf(a), 'executing')
    assert.equal(await runJob(running), 'completed')
    assert.isNull(await claim())
  })

  test('a concurrency key runs at most its limit at once; other keys are not held back', async ({
    assert,
  }) => {
    const [first, second, other] = await db.transaction((trx) =>
      Queue.enqueueMany(trx, limited, [
        { payload: { key: 'org:a' } },
        { payload: { key: 'org:a' } },
        { payload: { key: 'org:b' } },
      ])
    )
    const running = (await claim())!
    assert.equal(running.id, first)
    const next = (await claim())!
    assert.equal(next.id, other, 'the second job of org:a waits; org:b goes ahead')
    assert.isNull(await claim())
    await runJob(running)
    assert.equal((await claim())!.id, second)
  })

  test('the backoff doubles per attempt within ±50 % jitter and is capped', ({ assert }) => {
    assert.equal(backoffMs(1, 0.5), queue.backoffMs)
    assert.equal(backoffMs(3, 0.5), queue.backoffMs * 4)
    assert.equal(backoffMs(2, 0), queue.backoffMs)
    assert.equal(backoffMs(2, 0.999), Math.round(queue.backoffMs * 2 * 1.499))
    assert.equal(backoffMs(40, 0.5), queue.backoffCapMs)
  })
})
