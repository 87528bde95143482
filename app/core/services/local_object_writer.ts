import { Worker } from 'node:worker_threads'
import { BACKGROUND_NICE } from '#core/services/worker_pool'

/**
 * Many small objects onto the local disk, off the event loop: one thread
 * writes them one after another with blocking calls. Through Drive's fs
 * driver each object is an `mkdir -p` and a `writeFile` in libuv's pool of
 * four threads, and a chunk of certificates puts hundreds at once into the
 * same directory, contending for its locks, while the web process's event
 * loop runs every callback. In the generation benchmark (10,000
 * certificates, SQLite) that was ~6 s of system time in libuv's threads and
 * 0.5 ms of main-thread CPU per certificate; with this one writer ~2 s and
 * 0.3 ms.
 *
 * Same layout as the fs driver: an object's file is `<root>/<key>`, an
 * existing file is replaced. Keys are checked by the caller (`isStorageKey`).
 */
const THREAD_CODE = `
const { parentPort } = require('node:worker_threads')
const { mkdirSync, writeFileSync } = require('node:fs')
const { dirname, join } = require('node:path')
try { require('node:os').setPriority(${BACKGROUND_NICE}) } catch {}
parentPort.on('message', ({ id, root, keys, bytes }) => {
  try {
    const made = new Set()
    for (let i = 0; i < keys.length; i++) {
      const path = join(root, keys[i])
      const dir = dirname(path)
      if (!made.has(dir)) {
        mkdirSync(dir, { recursive: true })
        made.add(dir)
      }
      writeFileSync(path, bytes[i])
    }
    parentPort.postMessage({ id })
  } catch (error) {
    parentPort.postMessage({ id, error: String(error && error.message ? error.message : error) })
  }
})
`

let worker: Worker | null = null
let nextId = 0
const pending = new Map<number, { resolve: () => void; reject: (error: Error) => void }>()

function writer() {
  if (worker) return worker
  const started = new Worker(THREAD_CODE, {
    eval: true,
    resourceLimits: { maxOldGenerationSizeMb: 64 },
  })
  started.on('message', ({ id, error }: { id: number; error?: string }) => {
    const waiting = pending.get(id)
    pending.delete(id)
    if (pending.size === 0) started.unref()
    if (!waiting) return
    if (error) waiting.reject(new Error(`writing objects failed: ${error}`))
    else waiting.resolve()
  })
  const fail = (error: Error) => {
    if (worker === started) worker = null
    for (const waiting of pending.values()) waiting.reject(error)
    pending.clear()
  }
  started.on('error', fail)
  started.on('exit', (code) =>
    fail(new Error(`the object writer thread stopped (exit code ${code})`))
  )
  started.unref()
  worker = started
  return started
}

/**
 * Writes every object under `root`, in order; resolves once all are on disk (in the page cache, as
 * the fs driver leaves them).
 */
export function writeLocalObjects(
  root: string,
  objects: Array<{ key: string; bytes: Uint8Array }>
) {
  if (objects.length === 0) return Promise.resolve()
  const thread = writer()
  const id = nextId++
  return new Promise<void>((resolve, reject) => {
    pending.set(id, { resolve, reject })
    thread.ref()
    // Views of the same buffer (a chunk's parts) are copied once: structured clone keeps them sharing it.
    thread.postMessage({
      id,
      root,
      keys: objects.map((object) => object.key),
      bytes: objects.map((object) => object.bytes),
    })
  })
}
