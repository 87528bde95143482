import { setTimeout as sleep } from 'node:timers/promises'
import db from '@adonisjs/lucid/services/db'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import { BUSY_TIMEOUT_MS } from '#core/services/sqlite_checkpoints'
import { deferredBegin } from '#core/services/sqlite_statements'

/**
 * A write transaction that never blocks the event loop waiting for
 * SQLite's write lock. SQLite has one writer at a time; a process that
 * finds the lock taken waits in SQLite's busy handler, which sleeps
 * *synchronously* (1, 2, 5, 10 … ms, up to `busy_timeout`): while a send
 * worker commits, a web process writing a webhook stood still, with the
 * certificate PDFs and verify pages it was serving (the deliver bench saw
 * 9 s of it per web process and its /healthz p99 at 1.3 s).
 *
 * Here the lock is taken first, with `busy_timeout` at 0 (a no-op UPDATE
 * takes it): taken, the transaction runs as usual; busy, it is rolled back
 * at once, the caller's event loop goes on, and it tries again after a
 * short, growing, jittered pause. After `LOCK_WAIT_MS` of that it waits as
 * every other write does (`busy_timeout`), so a writer is never starved.
 * On PostgreSQL (row locks, no single writer) it is `db.transaction`.
 *
 * For writes that come in bursts next to request serving: group commits
 * (#core/services/group_commit), a send job's transactions.
 */
const LOCK_WAIT_MS = 2_000

class WriteLockBusy extends Error {}

async function takeWriteLock(trx: TransactionClientContract) {
  await trx.rawQuery('PRAGMA busy_timeout = 0')
  try {
    // A write statement takes the write lock before it looks at a row: this one changes none.
    await trx.rawQuery('UPDATE queue_jobs SET id = id WHERE 0')
  } catch (error) {
    if ((error as { code?: string }).code === 'SQLITE_BUSY') throw new WriteLockBusy()
    throw error
  } finally {
    await trx.rawQuery(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`)
  }
}

export async function writeTransaction<T>(
  callback: (trx: TransactionClientContract) => Promise<T>
): Promise<T> {
  if (db.connection().dialect.name === 'postgres') return db.transaction(callback)
  const deadline = Date.now() + LOCK_WAIT_MS
  for (let pause = 1; Date.now() < deadline; pause = Math.min(pause * 2, 16)) {
    try {
      // Begun deferred (every other transaction begins immediate): the lock is taken next, without waiting.
      return await deferredBegin.run(true, () =>
        db.transaction(async (trx) => {
          await takeWriteLock(trx)
          return callback(trx)
        })
      )
    } catch (error) {
      if (!(error instanceof WriteLockBusy)) throw error
      await sleep(pause * (0.5 + Math.random()))
    }
  }
  return db.transaction(callback)
}
