import { Worker } from 'node:worker_threads'
import { BACKGROUND_NICE } from '#core/services/worker_pool'

/**
 * SQLite in WAL mode copies the log back into the database file (a
 * checkpoint, with its fsyncs) at the end of whichever COMMIT takes the log
 * past `wal_autocheckpoint` pages: on the web process's event loop, 40–60 ms
 * at the end of a generation chunk's transaction. Instead a thread with its
 * own connection checkpoints every `intervalMs`: PASSIVE, so it neither
 * waits for nor blocks readers and writers (a frame a reader still needs is
 * copied next time). The connections keep a high `wal_autocheckpoint`
 * (`BACKSTOP_PAGES`) in case the thread falls behind or is gone, and the
 * log is truncated to `journal_size_limit` when it is reset.
 *
 * One thread per database file per process; it does not keep the process
 * alive, and SQLite stays consistent whenever it stops (the log is replayed
 * or checkpointed by the next connection).
 */
export const BACKSTOP_PAGES = 16_384
/** How long a statement waits for another process's write lock before SQLITE_BUSY. */
export const BUSY_TIMEOUT_MS = 5_000
const JOURNAL_SIZE_LIMIT = 64 * 1024 * 1024

const threads = new Map<string, Worker>()

const THREAD_CODE = `
const { workerData } = require('node:worker_threads')
const Database = require(workerData.driver)
try { require('node:os').setPriority(${BACKGROUND_NICE}) } catch {}
let db = null
function tick() {
  try {
    if (!db) {
      db = new Database(workerData.filename, { fileMustExist: true })
      db.pragma('busy_timeout = 0')
    }
    db.pragma('wal_checkpoint(PASSIVE)')
  } catch {
    // Busy or locked: the next tick tries again; the connections' own autocheckpoint is the backstop.
  }
}
setInterval(tick, workerData.intervalMs)
`

/** Starts checkpointing `filename` from a thread (once per file and process); nothing for in-memory databases. */
export function checkpointInThread(filename: string, options: { intervalMs?: number } = {}) {
  if (
    !filename ||
    filename === ':memory:' ||
    filename.startsWith('file::memory:') ||
    threads.has(filename)
  )
    return
  const worker = new Worker(THREAD_CODE, {
    eval: true,
    workerData: {
      filename,
      driver: new URL(import.meta.resolve('better-sqlite3')).pathname,
      intervalMs: options.intervalMs ?? 200,
    },
    resourceLimits: { maxOldGenerationSizeMb: 16 },
  })
  worker.unref()
  // A thread that died (its connection could not open) leaves the backstop to do the work; the next start tries again.
  worker.on('error', () => threads.delete(filename))
  worker.on('exit', () => threads.delete(filename))
  threads.set(filename, worker)
}

/** The pragmas each SQLite connection of the app runs as it opens (its writer thread's too). */
export const CONNECTION_PRAGMAS = [
  'journal_mode = WAL',
  `busy_timeout = ${BUSY_TIMEOUT_MS}`,
  'foreign_keys = ON',
  'synchronous = NORMAL',
  `wal_autocheckpoint = ${BACKSTOP_PAGES}`,
  `journal_size_limit = ${JOURNAL_SIZE_LIMIT}`,
]

export function prepareSqliteConnection(connection: {
  pragma: (sql: string) => unknown
  name: string
  memory?: boolean
}) {
  for (const pragma of CONNECTION_PRAGMAS) connection.pragma(pragma)
  if (!connection.memory) checkpointInThread(connection.name)
}
