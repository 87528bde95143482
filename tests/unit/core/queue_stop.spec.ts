import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import db from '@adonisjs/lucid/services/db'
import { Queue } from '#core/queue/queue'
import { defineJob } from '#core/queue/registry'
import { LeaseLostError } from '#core/queue/running_job'
import { QueueWorker } from '#core/queue/worker'

/** The test kind's runs: started, let go by the test, and what their last fenced write met. */
const runs = {
  started: 0,
  letGo: false,
  outcome: null as 'written' | 'lease lost' | null,
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Works until the test lets it go or its lease is gone, then writes (fenced) and completes. */
const held = defineJob<{ n: number }>('test.stop_held', {
  async perform(job) {
    runs.started++
    while (!runs.letGo && !job.lost) await sleep(10)
    try {
      await db.transaction(async (trx) => {
        await job.fence(trx)
        await job.complete(trx)
      })
      runs.outcome = 'written'
    } catch (error) {
      runs.outcome = error instanceof LeaseLostError ? 'lease lost' : null
      throw error
    }
  },
})

async function enqueued() {
  const id = await db.transaction((trx) => Queue.enqueue(trx, held, { n: 1 }))
  Queue.notify()
  return id
}

async function until(what: string, check: () => boolean) {
  for (let waited = 0; !check(); waited += 10) {
    if (waited > 30_000) throw new Error(`gave up waiting: ${what}`)
    await sleep(10)
  }
}

const rowOf = (id: string) =>
  db
    .from('queue_jobs')
    .where('id', id)
    .select('state', 'attempts', 'lease_owner', 'lease_token', 'lease_expires_at')
    .firstOrFail()

test.group('Queue (core): a worker stopping with a deadline', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())
  group.each.setup(() => {
    runs.started = 0
    runs.letGo = false
    runs.outcome = null
  })

  test('a job still running at the deadline is given back: available at once, lease cleared, the attempt not counted, and its run writes nothing', async ({
    assert,
  }) => {
    const id = await enqueued()
    const worker = new QueueWorker({ lanes: 1 })
    worker.start()
    await until('the job to start', () => runs.started === 1)

    await worker.stop({ deadline: Date.now() })
    assert.equal(worker.givenBack, 1)
    assert.deepEqual(await rowOf(id), {
      state: 'available',
      attempts: 0,
      lease_owner: null,
      lease_token: null,
      lease_expires_at: null,
    })
    await worker.finished()
    assert.equal(runs.outcome, 'lease lost', 'its fenced write was refused')
    const row = await rowOf(id)
    assert.equal(row.state, 'available', 'and its failure was not recorded either')
    assert.equal(Number(row.attempts), 0)
  })

  test('a job that ends before the deadline completes; nothing is given back', async ({
    assert,
  }) => {
    const id = await enqueued()
    const worker = new QueueWorker({ lanes: 1 })
    worker.start()
    await until('the job to start', () => runs.started === 1)

    const stopped = worker.stop({ deadline: Date.now() + 60_000 })
    runs.letGo = true
    await stopped
    assert.equal(worker.givenBack, 0)
    assert.equal(runs.outcome, 'written')
    const row = await rowOf(id)
    assert.equal(row.state, 'completed')
    assert.equal(Number(row.attempts), 1)
  })
})
