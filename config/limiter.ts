import env from '#start/env'
import { configProvider } from '@adonisjs/core'
import { defineConfig, stores } from '@adonisjs/limiter'
import type { LimiterConsumptionOptions, LimiterStoreContract } from '@adonisjs/limiter/types'

/**
 * The limiter manager caches one store per (requests, duration) for the life
 * of the process, and the database store keeps the Lucid client it was built
 * with. A client captured inside a transaction (a test's global transaction,
 * for one) would outlive it, so this store takes the current connection for
 * every operation instead.
 */
class PerOperationStore implements LimiterStoreContract {
  #reference: LimiterStoreContract
  constructor(private make: () => LimiterStoreContract) {
    this.#reference = make()
  }
  get name() {
    return this.#reference.name
  }
  get requests() {
    return this.#reference.requests
  }
  get duration() {
    return this.#reference.duration
  }
  get blockDuration() {
    return this.#reference.blockDuration
  }
  consume(key: string | number) {
    return this.make().consume(key)
  }
  increment(key: string | number) {
    return this.make().increment(key)
  }
  decrement(key: string | number) {
    return this.make().decrement(key)
  }
  block(key: string | number, duration: string | number) {
    return this.make().block(key, duration)
  }
  set(key: string | number, requests: number, duration?: string | number) {
    return this.make().set(key, requests, duration)
  }
  delete(key: string | number) {
    return this.make().delete(key)
  }
  deleteInMemoryBlockedKeys() {}
  clear() {
    return this.make().clear()
  }
  get(key: string | number) {
    return this.make().get(key)
  }
}

function databaseStore(config: Parameters<typeof stores.database>[0]) {
  const provider = stores.database(config)
  return configProvider.create(async (app) => {
    const makeStore = await provider.resolver(app)
    return (options: LimiterConsumptionOptions) => new PerOperationStore(() => makeStore(options))
  })
}

/** Database store by default: throttling works across processes without Redis. */
const limiterConfig = defineConfig({
  default: env.get('LIMITER_STORE', 'database'),
  stores: {
    database: databaseStore({ tableName: 'rate_limits', clearExpiredByTimeout: false }),
    memory: stores.memory({}),
  },
})

export default limiterConfig

declare module '@adonisjs/limiter/types' {
  export interface LimitersList extends InferLimiters<typeof limiterConfig> {}
}
