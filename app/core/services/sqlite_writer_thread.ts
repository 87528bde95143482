import { Worker } from 'node:worker_threads'
import { CONNECTION_PRAGMAS } from '#core/services/sqlite_checkpoints'

/**
 * Writes that no request waits for (verification views), run on SQLite by
 * a thread of this process with a connection of its own, so neither the
 * statements nor a wait for the write lock ever stand on the web event
 * loop. better-sqlite3 runs a statement synchronously: a batch of 133 views
 * (an index on a random certificate id and one per org, ~50 µs a row once
 * the table outgrows SQLite's page cache) held a web process's loop 5–9 ms,
 * every batch, and a verify page's p99 with it (bench/verify.js).
 *
 * `run(statements)` runs them in one `BEGIN IMMEDIATE` transaction in the
 * thread (its busy handler waits there, up to `busy_timeout`) and resolves
 * with the rows changed, or rejects with SQLite's error and its `code`
 * (SQLITE_CONSTRAINT_…, SQLITE_BUSY). Writes run one after another in the
 * order asked. The thread holds the process open only while a write is
 * under way; one that dies fails the writes it held, and the next write
 * starts another.
 *
 * Not for writes a transaction of the caller must see or roll back (the
 * test suite's global transaction): those go through the app's connection.
 */
export interface ThreadStatement {
  sql: string
  bindings: unknown[]
}

/** SQLite's error as the thread caught it: its message and code (e.g. SQLITE_CONSTRAINT_FOREIGNKEY). */
export class SqliteThreadError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined
  ) {
    super(message)
  }
}

const THREAD_CODE = `
const { parentPort, workerData } = require('node:worker_threads')
const Database = require(workerData.driver)
const db = new Database(workerData.filename, { fileMustExist: true })
for (const pragma of workerData.pragmas) db.pragma(pragma)
const prepared = new Map()
function statement(sql) {
  let kept = prepared.get(sql)
  if (!kept) {
    kept = db.prepare(sql)
    if (prepared.size >= 64) prepared.delete(prepared.keys().next().value)
    prepared.set(sql, kept)
  }
  return kept
}
const write = db.transaction((statements) => {
  let changes = 0
  for (const { sql, bindings } of statements) changes += statement(sql).run(...bindings).changes
  return changes
})
parentPort.on('message', ({ id, statements }) => {
  try {
    parentPort.postMessage({ id, changes: write.immediate(statements) })
  } catch (error) {
    parentPort.postMessage({ id, error: { message: String(error && error.message || error), code: error && error.code } })
  }
})
`

interface Pending {
  resolve: (changes: number) => void
  reject: (error: Error) => void
}

export class SqliteWriterThread {
  readonly #filename: string
  #worker: Worker | null = null
  #pending = new Map<number, Pending>()
  /** The writes under way, for `close` to wait on. */
  #runs = new Set<Promise<number>>()
  #nextId = 1

  constructor(filename: string) {
    this.#filename = filename
  }

  /** Writes under way (sent to the thread, not answered yet). */
  get pending() {
    return this.#pending.size
  }

  run(statements: ThreadStatement[]): Promise<number> {
    const worker = this.#thread()
    const id = this.#nextId++
    const written = new Promise<number>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject })
      // Held open while a write is under way: a stopping process waits for its views.
      if (this.#pending.size === 1) worker.ref()
      worker.postMessage({ id, statements })
    })
    this.#runs.add(written)
    const settled = () => this.#runs.delete(written)
    written.then(settled, settled)
    return written
  }

  /** Ends the thread once its writes are done (a process stopping; tests). */
  async close() {
    const worker = this.#worker
    if (!worker) return
    await Promise.allSettled(this.#runs)
    this.#worker = null
    await worker.terminate()
  }

  #thread() {
    if (this.#worker) return this.#worker
    const worker = new Worker(THREAD_CODE, {
      eval: true,
      workerData: {
        filename: this.#filename,
        driver: new URL(import.meta.resolve('better-sqlite3')).pathname,
        pragmas: CONNECTION_PRAGMAS,
      },
      resourceLimits: { maxOldGenerationSizeMb: 64 },
    })
    worker.unref()
    worker.on('message', ({ id, changes, error }) => {
      const pending = this.#pending.get(id)
      if (!pending) return
      this.#pending.delete(id)
      if (this.#pending.size === 0) worker.unref()
      if (error) pending.reject(new SqliteThreadError(error.message, error.code))
      else pending.resolve(changes)
    })
    const gone = (cause: unknown) => {
      if (this.#worker === worker) this.#worker = null
      const error =
        cause instanceof Error ? cause : new Error(`the SQLite writer thread exited (${cause})`)
      for (const pending of this.#pending.values()) pending.reject(error)
      this.#pending.clear()
    }
    worker.on('error', gone)
    worker.on('exit', (code) => gone(code))
    this.#worker = worker
    return worker
  }
}

const threads = new Map<string, SqliteWriterThread>()

/** The writer thread of a SQLite database file (one per file and process); null for an in-memory database. */
export function sqliteWriterThread(filename: string | undefined): SqliteWriterThread | null {
  if (!filename || filename === ':memory:' || filename.startsWith('file::memory:')) return null
  let thread = threads.get(filename)
  if (!thread) {
    thread = new SqliteWriterThread(filename)
    threads.set(filename, thread)
  }
  return thread
}
