import { test } from '@japa/runner'
import { IsolatedPool, WorkerPool, runIsolated } from '#core/services/worker_pool'

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

  test('pool threads run at a lower priority than the event loop', async ({ assert }) => {
    const pool = new WorkerPool(TASKS, { size: 1, maxHeapMb: 64 })
    try {
      const outcome = await pool.run<{ nice: number }>('priority', {}, { timeoutMs: 10_000 })
      assert.equal(outcome.kind === 'ok' && outcome.value.nice, 10)
    } finally {
      await pool.close()
    }
  })

  test('chunks a task emits reach the consumer in order, each acknowledged before the next', async ({
    assert,
  }) => {
    const pool = new WorkerPool(TASKS, { size: 1, maxHeapMb: 64 })
    const seen: number[] = []
    let consuming = false
    try {
      const outcome = await pool.run<{ sent: number }>(
        'stream',
        { count: 3 },
        {
          timeoutMs: 10_000,
          onChunk: async (chunk: { index: number; bytes: Uint8Array }) => {
            assert.isFalse(consuming, 'one chunk at a time')
            consuming = true
            await new Promise((resolve) => setTimeout(resolve, 30))
            seen.push(chunk.index, chunk.bytes[0])
            consuming = false
          },
        }
      )
      assert.deepEqual(outcome, { kind: 'ok', value: { sent: 3 } })
      assert.deepEqual(seen, [0, 0, 1, 1, 2, 2])
    } finally {
      await pool.close()
    }
  })

  test('a task is cancelled by its signal, whether waiting for a thread or running', async ({
    assert,
  }) => {
    const pool = new WorkerPool(TASKS, { size: 1, maxHeapMb: 64 })
    try {
      const running = new AbortController()
      const waiting = new AbortController()
      const first = pool.run('spin', {}, { timeoutMs: 60_000, signal: running.signal })
      const second = pool.run(
        'echo',
        { bytes: new Uint8Array(1), label: 'x' },
        {
          timeoutMs: 60_000,
          signal: waiting.signal,
        }
      )
      while (pool.stats().running === 0) await new Promise((resolve) => setTimeout(resolve, 10))
      assert.equal(pool.stats().queued, 1)
      waiting.abort(new Error('not needed any more'))
      await assert.rejects(() => second, 'not needed any more')
      running.abort(new Error('the user left'))
      await assert.rejects(() => first, 'the user left')
      const after = await pool.run<{ label: string }>(
        'echo',
        { bytes: new Uint8Array(1), label: 'next' },
        { timeoutMs: 10_000 }
      )
      assert.equal(
        after.kind === 'ok' && after.value.label,
        'NEXT',
        'the spinning thread was replaced'
      )
    } finally {
      await pool.close()
    }
  })

  test('a time limit counts from the start of the task, not from the wait for a thread', async ({
    assert,
  }) => {
    const pool = new WorkerPool(TASKS, { size: 1, maxHeapMb: 64 })
    try {
      const outcomes = await Promise.all(
        [0, 1, 2].map(() => pool.run('sleep', { ms: 400 }, { timeoutMs: 1_000 }))
      )
      assert.deepEqual(
        outcomes.map((outcome) => outcome.kind),
        ['ok', 'ok', 'ok']
      )
    } finally {
      await pool.close()
    }
  })

  test('an isolated pool runs at most its concurrency of children at once; the rest wait', async ({
    assert,
  }) => {
    const pool = new IsolatedPool(TASKS, { concurrency: 2, timeoutMs: 20_000, maxHeapMb: 64 })
    const runs = Array.from({ length: 5 }, (_, i) =>
      pool.run<{ label: string }>('echo', { bytes: new Uint8Array([i]), label: `n${i}` })
    )
    assert.deepEqual(pool.stats(), { running: 2, waiting: 3, peak: 2 })
    const outcomes = await Promise.all(runs)
    assert.deepEqual(
      outcomes.map((outcome) => outcome.kind === 'ok' && outcome.value.label),
      ['N0', 'N1', 'N2', 'N3', 'N4']
    )
    assert.deepEqual(pool.stats(), { running: 0, waiting: 0, peak: 2 })
  }).timeout(60_000)
})
