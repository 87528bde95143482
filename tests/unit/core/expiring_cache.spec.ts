import { test } from '@japa/runner'
import { ExpiringCache } from '#core/services/expiring_cache'

/** A clock the test moves by hand. */
function clock() {
  let now = 1_000_000
  return { now: () => now, advance: (ms: number) => void (now += ms) }
}

/** A loader that counts its calls and answers what it is told. */
function loader() {
  let calls = 0
  return {
    get calls() {
      return calls
    },
    load: (value: string) => async () => {
      calls++
      return value
    },
  }
}

test.group('ExpiringCache', () => {
  test('a value is loaded once, then read from memory until its time is up', async ({ assert }) => {
    const time = clock()
    const cache = new ExpiringCache<string>({ ttlMs: 30_000, maxEntries: 10, now: time.now })
    const source = loader()
    assert.equal(await cache.get('org', source.load('Shiksha')), 'Shiksha')
    time.advance(29_999)
    assert.equal(await cache.get('org', source.load('renamed')), 'Shiksha')
    assert.equal(source.calls, 1)
    time.advance(1)
    assert.equal(await cache.get('org', source.load('renamed')), 'renamed')
    assert.equal(source.calls, 2)
  })

  test('delete forgets a key at once', async ({ assert }) => {
    const cache = new ExpiringCache<string>({ ttlMs: 60_000, maxEntries: 10 })
    await cache.get('org', async () => 'old name')
    cache.delete('org')
    assert.equal(await cache.get('org', async () => 'new name'), 'new name')
  })

  test('concurrent misses share one load; a load under way when the key is deleted is not kept', async ({
    assert,
  }) => {
    const cache = new ExpiringCache<string>({ ttlMs: 60_000, maxEntries: 10 })
    let release!: (value: string) => void
    let calls = 0
    const slow = () => {
      calls++
      return new Promise<string>((resolve) => (release = resolve))
    }
    const first = cache.get('org', slow)
    const second = cache.get('org', slow)
    assert.equal(calls, 1)
    // The org changes while its old state is being read.
    cache.delete('org')
    const third = cache.get('org', async () => 'after the change')
    release('before the change')
    assert.deepEqual(await Promise.all([first, second, third]), [
      'before the change',
      'before the change',
      'after the change',
    ])
    assert.equal(await cache.get('org', async () => 'reloaded'), 'after the change')
  })

  test('a failed load is not kept: the next read tries again', async ({ assert }) => {
    const cache = new ExpiringCache<string>({ ttlMs: 60_000, maxEntries: 10 })
    await assert.rejects(
      () =>
        cache.get('org', async () => {
          throw new Error('connection reset')
        }),
      'connection reset'
    )
    assert.equal(await cache.get('org', async () => 'loaded'), 'loaded')
  })

  test('at most maxEntries are kept; the least recently read leaves first', async ({ assert }) => {
    const cache = new ExpiringCache<string>({ ttlMs: 60_000, maxEntries: 2 })
    await cache.get('a', async () => 'A')
    await cache.get('b', async () => 'B')
    await cache.get('a', async () => 'A again')
    await cache.get('c', async () => 'C')
    assert.equal(cache.size, 2)
    assert.equal(await cache.get('a', async () => 'A reloaded'), 'A')
    assert.equal(await cache.get('b', async () => 'B reloaded'), 'B reloaded')
  })

  test('a negative time to live or a size below one is refused', ({ assert }) => {
    assert.throws(
      () => new ExpiringCache({ ttlMs: -1, maxEntries: 10 }),
      /ttlMs must be a number of milliseconds ≥ 0, not -1/
    )
    assert.throws(
      () => new ExpiringCache({ ttlMs: 1000, maxEntries: 0 }),
      /maxEntries must be a whole number ≥ 1, not 0/
    )
  })
})
