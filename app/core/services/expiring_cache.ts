/**
 * A small in-process cache of loaded values: an entry lives `ttlMs` at
 * most (bounding how stale it can be when another process changed the
 * data), at most `maxEntries` are kept (the least recently read leave
 * first), concurrent misses of one key share one load, and `delete(key)`
 * also disowns a load already under way, so a value read before a change
 * is never stored after it.
 */
export class ExpiringCache<V> {
  readonly #ttlMs: number
  readonly #maxEntries: number
  readonly #now: () => number
  readonly #keeps: (value: V) => boolean
  /** In insertion order = least recently read first. */
  readonly #entries = new Map<string, { value: V; expiresAt: number }>()
  readonly #loads = new Map<string, Promise<V>>()

  constructor(options: {
    ttlMs: number
    maxEntries: number
    now?: () => number
    /** Whether a loaded value is kept (e.g. not "none found", which may change any moment). */
    keeps?: (value: V) => boolean
  }) {
    if (!Number.isFinite(options.ttlMs) || options.ttlMs < 0) {
      throw new Error(
        `ExpiringCache: ttlMs must be a number of milliseconds ≥ 0, not ${options.ttlMs}`
      )
    }
    if (!Number.isInteger(options.maxEntries) || options.maxEntries < 1) {
      throw new Error(
        `ExpiringCache: maxEntries must be a whole number ≥ 1, not ${options.maxEntries}`
      )
    }
    this.#ttlMs = options.ttlMs
    this.#maxEntries = options.maxEntries
    this.#now = options.now ?? Date.now
    this.#keeps = options.keeps ?? (() => true)
  }

  get size() {
    return this.#entries.size
  }

  /** The cached value of `key`, or the result of `load()` (stored unless the key was deleted meanwhile). */
  get(key: string, load: () => Promise<V>): Promise<V> {
    const entry = this.#entries.get(key)
    if (entry) {
      this.#entries.delete(key)
      if (entry.expiresAt > this.#now()) {
        this.#entries.set(key, entry)
        return Promise.resolve(entry.value)
      }
    }
    const pending = this.#loads.get(key)
    if (pending) return pending
    const loading: Promise<V> = load().then(
      (value) => {
        if (this.#loads.get(key) === loading) {
          this.#loads.delete(key)
          this.#store(key, value)
        }
        return value
      },
      (error) => {
        if (this.#loads.get(key) === loading) this.#loads.delete(key)
        throw error
      }
    )
    this.#loads.set(key, loading)
    return loading
  }

  /** Forgets `key`: the next read loads it again. */
  delete(key: string) {
    this.#entries.delete(key)
    this.#loads.delete(key)
  }

  clear() {
    this.#entries.clear()
    this.#loads.clear()
  }

  #store(key: string, value: V) {
    if (this.#ttlMs === 0 || !this.#keeps(value)) return
    this.#entries.set(key, { value, expiresAt: this.#now() + this.#ttlMs })
    if (this.#entries.size > this.#maxEntries)
      this.#entries.delete(this.#entries.keys().next().value!)
  }
}
