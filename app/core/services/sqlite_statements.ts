import { AsyncLocalStorage } from 'node:async_hooks'

/**
 * Prepared statements kept per SQLite connection. knex's better-sqlite3
 * dialect prepares (parses and plans) every query's SQL on every run; a
 * query the app runs again and again (a verification's lookup, a queue
 * claim, a batch insert of a fixed size) reuses its statement instead.
 * Measured on the verification path: `prepare` was 6–8 % of the web
 * process's CPU (ARCHITECTURE.md "Request flow").
 *
 * Safe because better-sqlite3 runs a statement to completion synchronously
 * (knex calls only `all` and `run`, never `iterate`), re-prepares it itself
 * after a schema change, and each statement's integer mode is set back to
 * off again (the app never turns it on) before it is handed out again.
 * At most `STATEMENTS_PER_CONNECTION` are kept, the least recently used
 * going first. Not kept: very long SQL (multi-row inserts of odd sizes),
 * savepoints (knex numbers each one anew, they would crowd out the rest)
 * and pragmas (some act only when prepared).
 */
interface Statement {
  safeIntegers(toggle?: boolean): Statement
}

interface StatementConnection {
  prepare(sql: string): Statement
}

const STATEMENTS_PER_CONNECTION = 200
// A batch of 500 verification views is ~4,000 characters of SQL: kept.
const LONGEST_KEPT_SQL = 16_000
const NEVER_KEPT = /^\s*(savepoint|release|rollback|pragma)\b/i

/**
 * Transactions take SQLite's write lock when they begin (`BEGIN IMMEDIATE`),
 * as Rails' SQLite adapter does by default. knex begins them `DEFERRED`: the
 * lock is taken at the first write, and a transaction that read before it
 * writes fails at once with SQLITE_BUSY (`SQLITE_BUSY_SNAPSHOT`, no busy
 * wait helps) when another process committed in between: a cancel pressed
 * while the queue worker issues certificates answered 500 (the verify bench
 * while generating). Begun immediate, a transaction waits for the lock
 * first, as any write waits (`busy_timeout`), and then nothing can commit
 * under it. `writeTransaction` (#core/services/write_transaction) begins its
 * own deferred and takes the lock itself at once, without waiting on the
 * event loop: it runs inside `deferredBegin`.
 */
export const deferredBegin = new AsyncLocalStorage<true>()

const BEGIN = /^\s*begin\s*;?\s*$/i

export function keepPreparedStatements(connection: StatementConnection) {
  const prepare = connection.prepare.bind(connection)
  const kept = new Map<string, Statement>()
  connection.prepare = (text: string) => {
    const sql = BEGIN.test(text) && !deferredBegin.getStore() ? 'BEGIN IMMEDIATE;' : text
    const statement = kept.get(sql)
    if (statement) {
      // Most recently used last: the first entry is the one to drop.
      kept.delete(sql)
      kept.set(sql, statement)
      return statement.safeIntegers(false)
    }
    const prepared = prepare(sql)
    if (sql.length <= LONGEST_KEPT_SQL && !NEVER_KEPT.test(sql)) {
      kept.set(sql, prepared)
      if (kept.size > STATEMENTS_PER_CONNECTION) kept.delete(kept.keys().next().value!)
    }
    return prepared
  }
}
