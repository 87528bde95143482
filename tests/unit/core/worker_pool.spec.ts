import { test } from '@japa/runner'
import { WorkerPool, runIsolated } from '#core/services/worker_pool'

const TASKS = new URL('../../helpers/worker_test_tasks.ts', import.meta.url)

test.group('Worker pool', () => {
  test('an isolated task runs in a child process and its bytes come back', async ({ assert }) => {
    const bytes = new Uint8Array([1, 2, 3, 4])
    const outcome = await runIsolated<{ label: string; bytes: Uint8Array; length: number }>(
      TASKS,
      'echo',
      { bytes, label: 'ok' },
      { timeoutMs: 10_000, maxHeapMb: 64 }
    )
    assert.equal(outcome.kind, 'ok')
    if (outcome.kind !== 'ok') return
    assert.equal(outcome.value.label, 'OK')
    assert.deepEqual([...outcome.value.bytes], [1, 2, 3, 4])
  })

  test('a task that never ends is stopped at its time limit while the event loop stays free', async ({
    assert,
  }) => {
    let ticks = 0
    const timer = setInterval(() => ticks++, 10)
    const started = Date.now()
    const outcome = await runIsolated(TASKS, 'spin', {}, { timeoutMs: 1500, maxHeapMb: 64 })
    clearInterval(timer)
    assert.deepEqual(outcome, { kind: 'timeout', afterMs: 1500 })
    assert.isBelow(Date.now() - started, 8000)
    assert.isAbove(ticks, 20, 'timers kept firing on the main thread')
  })

  test('an isolated task that exhausts its heap ends as out_of_memory, and this process lives on', async ({
    assert,
  }) => {
    const outcome = await runIsolated(
      TASKS,
      'hog',
      {},
      { timeoutMs: 20_000, maxHeapMb: 64, maxRssMb: 2048 }
    )
    assert.equal(outcome.kind, 'out_of_memory')
  })

  test('an isolated task whose memory outside the heap passes the ceiling is stopped', async ({
    assert,
  }) => {
    const before = process.memoryUsage().rss
    const outcome = await runIsolated(
      TASKS,
      'hogBuffers',
      {},
      { timeoutMs: 20_000, maxHeapMb: 64, maxRssMb: 300 }
    )
    assert.equal(outcome.kind, 'out_of_memory')
    assert.isBelow(
      (process.memoryUsage().rss - before) / 1024 / 1024,
      100,
      'the memory was the child’s, not ours'
    )
  })

  test('an isolated task that crashes natively ends as crashed; this process lives on', async ({
    assert,
  }) => {
    const outcome = await runIsolated(TASKS, 'segfault', {}, { timeoutMs: 20_000, maxHeapMb: 64 })
    assert.deepEqual(outcome, { kind: 'crashed', signal: 'SIGSEGV', code: null })
    const after = await runIsolated<{ label: string }>(
      TASKS,
      'echo',
      { bytes: new Uint8Array(2), label: 'still here' },
      { timeoutMs: 10_000, maxHeapMb: 64 }
    )
    assert.equal(after.kind === 'ok' && after.value.label, 'STILL HERE')
  })

  test('a pool thread that exhausts its heap ends as out_of_memory', async ({ assert }) => {
    const pool = new WorkerPool(TASKS, { size: 1, maxHeapMb: 32 })
    try {
      const outcome = await pool.run('hog', {}, { timeoutMs: 20_000 })
      assert.equal(outcome.kind, 'out_of_memory')
    } finally {
      await pool.close()
    }
  })

  test('a task that throws reports its message and the pool keeps serving', async ({ assert }) => {
    const pool = new WorkerPool(TASKS, { size: 1, maxHeapMb: 64 })
    try {
      const failed = await pool.run('fail', {}, { timeoutMs: 10_000 })
      assert.deepEqual(failed, {
        kind: 'failed',
        message: 'the file is broken in a way nobody expected',
      })
      const after = await pool.run<{ label: string }>(
        'echo',
        { bytes: new Uint8Array(1), label: 'again' },
        { timeoutMs: 10_000 }
      )
      assert.equal(after.kind === 'ok' && after.value.label, 'AGAIN')
      const stuck = await pool.run('spin', {}, { timeoutMs: 500 })
      assert.equal(stuck.kind, 'timeout')
      const replaced = await pool.run<{ label: string }>(
        'echo',
        { bytes: new Uint8Array(1), label: 'fresh' },
        { timeoutMs: 10_000 }
      )
      assert.equal(
        replaced.kind === 'ok' && replaced.value.label,
        'FRESH',
        'a new thread replaced the stopped one'
      )
    } finally {
      await pool.close()
    }
  })
})
