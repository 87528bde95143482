import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import { setTimeout as sleep } from 'node:timers/promises'
import { writeTransaction } from '#core/services/write_transaction'

/**
 * Group commit: writes that arrive while a transaction is running wait and
 * go together in the next one, so N concurrent callers cost about one
 * transaction, not N, and each caller's promise settles only once its
 * write has committed (unlike a lossy buffer such as the verification
 * events', nothing is acknowledged before it is stored). The first write
 * starts a transaction at once: an idle process adds no delay.
 *
 * On SQLite every write transaction takes the database's one write lock
 * (and a process waiting for it sleeps in SQLite's busy handler); on
 * PostgreSQL each is a round trip and a WAL flush. The transaction never
 * blocks the event loop waiting for SQLite's lock
 * (#core/services/write_transaction): the writes that come in while it
 * waits join the group. Use it where many
 * small writes of one process arrive together: a send job's outcomes,
 * providers' webhook notifications.
 *
 * `write(trx, items)` must answer one result per item, in order. When a
 * group fails, each of its items is tried again in a transaction of its
 * own, so one bad item fails only its own caller.
 */
/** Writes in one transaction at most: a burst is split, so no transaction holds the lock for long. */
const MAX_ITEMS = 200

export class GroupCommit<Item, Result> {
  #pending: { item: Item; resolve: (result: Result) => void; reject: (error: unknown) => void }[] =
    []
  #running = false

  constructor(
    private readonly write: (trx: TransactionClientContract, items: Item[]) => Promise<Result[]>,
    private readonly options: {
      /**
       * How long the first write of an idle group waits for others before its transaction starts
       * (default 0: at once). For writers whose callers arrive a few at a time, spread over
       * milliseconds (a send job's answers), where a transaction each would cost more than waiting.
       */
      gatherMs?: number
    } = {}
  ) {}

  /** Resolves with the item's result once the transaction that wrote it has committed. */
  submit(item: Item): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      this.#pending.push({ item, resolve, reject })
      if (!this.#running) void this.#drain()
    })
  }

  async #drain() {
    this.#running = true
    try {
      if (this.options.gatherMs) await sleep(this.options.gatherMs)
      while (this.#pending.length > 0) {
        const group = this.#pending.splice(0, MAX_ITEMS)
        try {
          const results = await writeTransaction((trx) =>
            this.write(
              trx,
              group.map((entry) => entry.item)
            )
          )
          group.forEach((entry, index) => entry.resolve(results[index]))
        } catch (error) {
          if (group.length === 1) {
            group[0].reject(error)
            continue
          }
          for (const entry of group) {
            try {
              const [result] = await writeTransaction((trx) => this.write(trx, [entry.item]))
              entry.resolve(result)
            } catch (alone) {
              entry.reject(alone)
            }
          }
        }
      }
    } finally {
      this.#running = false
    }
  }
}
