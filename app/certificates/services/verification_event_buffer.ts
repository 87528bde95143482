import app from '@adonisjs/core/services/app'
import db from '@adonisjs/lucid/services/db'
import appLogger from '@adonisjs/core/services/logger'
import type { Logger } from '@adonisjs/core/logger'
import { type BulkColumn, bulkInsert, sqliteInsertStatements } from '#core/services/bulk_insert'
import { sqliteWriterThread } from '#core/services/sqlite_writer_thread'
import { writeTransaction } from '#core/services/write_transaction'
import verification from '#config/verification'

/** One `certificate_verification_events` row, in column names, ready to insert. */
// A type, not an interface: bulkInsert takes plain records.
export type VerificationEventRow = {
  id: string
  organization_id: string
  certificate_id: string
  scanned_at: string
  source: string
  ip_hash: string | null
  user_agent: string | null
  status_snapshot: string
  metadata: Record<string, unknown>
}

const TABLE = 'certificate_verification_events'

const COLUMNS: BulkColumn[] = [
  { name: 'id', pg: 'uuid' },
  { name: 'organization_id', pg: 'uuid' },
  { name: 'certificate_id', pg: 'uuid' },
  { name: 'scanned_at', pg: 'timestamptz' },
  { name: 'source', pg: 'text' },
  { name: 'ip_hash', pg: 'text' },
  { name: 'user_agent', pg: 'text' },
  { name: 'status_snapshot', pg: 'text' },
  { name: 'metadata', pg: 'json' },
]

/** Views beyond this many batches waiting are dropped (and counted), not held: the database is not keeping up. */
const MAX_WAITING_BATCHES = 100

export interface VerificationEventBufferOptions {
  /** Longest a view waits before it is written. */
  flushIntervalMs: number
  /** Views per batch; this many waiting are written at once. */
  batchSize: number
  logger: Logger
  /** SQLite: the writer thread or the app's connection (config/verification.ts). */
  writer?: 'thread' | 'connection'
}

/** The file of the default connection when it is SQLite. */
function sqliteFile(): string | undefined {
  const config = db.manager.get(db.primaryConnectionName)?.config
  const connection = config?.connection as { filename?: string } | undefined
  return connection?.filename
}

/** A constraint refused the batch (a certificate deleted meanwhile): writing it again would fail the same way. */
function isConstraintViolation(error: unknown) {
  const code = String((error as { code?: unknown } | null)?.code ?? '')
  return code.startsWith('SQLITE_CONSTRAINT') || /^23\d{3}$/.test(code)
}

/**
 * Verification views, held in memory and written in batches of `batchSize`
 * (multi-row INSERTs, no transaction: one statement on PostgreSQL), when a batch
 * is full or `flushIntervalMs` after the first view waiting, whichever comes
 * first. Views are pushed without waiting for the database, and a failed write
 * never reaches the request that pushed: it is retried once (unless a
 * constraint refused it) and then logged with the number of views lost.
 * Batches are written one after another, in order. A crash loses at most
 * the views still waiting, never anything but view counts.
 */
export class VerificationEventBuffer {
  readonly #flushIntervalMs: number
  readonly #batchSize: number
  readonly #logger: Logger
  readonly #writer: 'thread' | 'connection'
  #waiting: VerificationEventRow[] = []
  #timer: NodeJS.Timeout | null = null
  /** The last batch handed to the database; every write follows the one before it. */
  #writes: Promise<void> = Promise.resolve()
  /** Views handed over for writing and not yet written (or lost). */
  #inFlight = 0
  #dropped = 0

  constructor(options: VerificationEventBufferOptions) {
    if (!Number.isInteger(options.flushIntervalMs) || options.flushIntervalMs < 1) {
      throw new Error(
        `VERIFICATION_EVENTS_FLUSH_MS must be a whole number of milliseconds ≥ 1, not ${options.flushIntervalMs}`
      )
    }
    if (!Number.isInteger(options.batchSize) || options.batchSize < 1) {
      throw new Error(
        `VERIFICATION_EVENTS_BATCH_SIZE must be a whole number ≥ 1, not ${options.batchSize}`
      )
    }
    this.#flushIntervalMs = options.flushIntervalMs
    this.#batchSize = options.batchSize
    this.#logger = options.logger
    this.#writer = options.writer ?? 'connection'
  }

  /** Views waiting for their batch (not yet handed to the database). */
  get waiting() {
    return this.#waiting.length
  }

  /** Queues one view; returns at once. */
  push(row: VerificationEventRow) {
    if (this.#waiting.length + this.#inFlight >= this.#batchSize * MAX_WAITING_BATCHES) {
      this.#dropped++
      return
    }
    this.#waiting.push(row)
    if (this.#waiting.length >= this.#batchSize) {
      this.#write(this.#waiting.splice(0, this.#batchSize))
    }
    if (this.#waiting.length === 0) {
      this.#stopTimer()
    } else if (!this.#timer) {
      this.#timer = setTimeout(() => {
        this.#timer = null
        void this.flush()
      }, this.#flushIntervalMs)
      // The shutdown hook flushes; a waiting batch must not keep a process alive on its own.
      this.#timer.unref()
    }
  }

  /**
   * Writes every view waiting and resolves once every view pushed before the
   * call is written or logged as lost. Never rejects; safe to call at any
   * time, concurrently, and again.
   */
  flush(): Promise<void> {
    this.#stopTimer()
    while (this.#waiting.length > 0) this.#write(this.#waiting.splice(0, this.#batchSize))
    return this.#writes
  }

  #stopTimer() {
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = null
  }

  #write(batch: VerificationEventRow[]) {
    this.#inFlight += batch.length
    this.#writes = this.#writes.then(async () => {
      try {
        await this.#insert(batch)
      } catch (error) {
        if (isConstraintViolation(error)) {
          this.#lost(batch.length, error)
        } else {
          try {
            await this.#insert(batch)
          } catch (again) {
            this.#lost(batch.length, again)
          }
        }
      } finally {
        this.#inFlight -= batch.length
      }
      if (this.#dropped > 0) {
        const dropped = this.#dropped
        this.#dropped = 0
        this.#lost(dropped, `more than ${this.#batchSize * MAX_WAITING_BATCHES} were waiting`)
      }
    })
  }

  /**
   * PostgreSQL: the batch in one statement. SQLite: bulkInsert's statements of about 1,200 values
   * (133 views; far below the 32,766-variable limit) in one transaction, run by the database's
   * writer thread (#core/services/sqlite_writer_thread): better-sqlite3 runs a statement
   * synchronously, and 133 views held the web event loop 5–9 ms. With `writer: connection`
   * (the tests) they run on the app's connection, the event loop let in between.
   * `ON CONFLICT (id) DO NOTHING` makes the retry of a batch harmless.
   */
  #insert(batch: VerificationEventRow[]) {
    if (db.connection().dialect.name === 'postgres') {
      return bulkInsert(db.connection(), TABLE, COLUMNS, batch, { onConflictDoNothing: 'id' })
    }
    const thread = this.#writer === 'thread' ? sqliteWriterThread(sqliteFile()) : null
    if (thread) {
      return thread.run(
        sqliteInsertStatements(TABLE, COLUMNS, batch, { onConflictDoNothing: 'id' })
      )
    }
    // SQLite's write lock taken without waiting in the busy handler, which sleeps on the event loop while the
    // other web processes' batches or a worker commit (#core/services/write_transaction).
    return writeTransaction((trx) =>
      bulkInsert(trx, TABLE, COLUMNS, batch, { onConflictDoNothing: 'id' })
    )
  }

  #lost(count: number, cause: unknown) {
    try {
      this.#logger.error(
        typeof cause === 'string' ? { lost: count } : { err: cause, lost: count },
        `${count} verification ${count === 1 ? 'view was' : 'views were'} not recorded${typeof cause === 'string' ? `: ${cause}` : ''}`
      )
    } catch {}
  }
}

/**
 * The process's buffer: what `RecordVerificationEvent` pushes to. Flushed
 * when the app terminates (after the HTTP server has closed, whose hook was
 * registered first), so a deploy or a SIGTERM loses no views.
 */
export const verificationEvents = new VerificationEventBuffer({
  flushIntervalMs: verification.events.flushIntervalMs,
  batchSize: verification.events.batchSize,
  logger: appLogger,
  writer: verification.events.writer,
})

app.terminating(() => verificationEvents.flush())
