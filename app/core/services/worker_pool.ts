import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { Worker } from 'node:worker_threads'

/**
 * Heavy work (PDF parsing and rendering, spreadsheet parsing, zipping) runs
 * off the web process's event loop: trusted work in a pool of worker
 * threads, a possibly hostile file in a child process (`runIsolated`). A task module
 * exports `tasks = { name: async (input) => output }`; the pool runs a task
 * in one of its threads with a time limit and a heap limit, and a thread
 * that overran either is terminated and replaced, so a hostile file costs a
 * thread, never the process.
 *
 * Results are transferred, not copied, where they hold whole `Uint8Array`s.
 */

export type TaskOutcome<T> =
  | { kind: 'ok'; value: T }
  | { kind: 'timeout'; afterMs: number }
  | { kind: 'out_of_memory' }
  | { kind: 'failed'; message: string }
  /** The process running it died (a native crash on a malformed file). */
  | { kind: 'crashed'; signal: string | null; code: number | null }

export interface PoolOptions {
  /** Threads at most (default: the number of cores, at most 4). */
  size?: number
  /** V8 old-generation heap per thread, MB. */
  maxHeapMb: number
  /** Threads with nothing to do exit after this long (default 60 s). */
  idleMs?: number
  /**
   * The threads' scheduling priority (Linux nice, which is per thread;
   * default 10): on a machine with fewer cores than busy threads the event
   * loop gets the CPU as soon as it has work, the threads get the rest.
   */
  nice?: number
}

export interface RunOptions {
  timeoutMs: number
  /**
   * Receives what the task passes to its `emit` (its second argument) while
   * it runs; the task waits until this resolves, so a fast producer never
   * outruns a slow consumer (rows streamed into the database).
   */
  onChunk?: (chunk: any) => Promise<void>
  /** Buffers of the input moved to the thread instead of copied (the caller must not use them afterwards). */
  transfer?: ArrayBuffer[]
}

interface Job {
  task: string
  input: unknown
  timeoutMs: number
  onChunk?: (chunk: any) => Promise<void>
  transfer?: ArrayBuffer[]
  resolve: (outcome: TaskOutcome<any>) => void
}

/** Background threads' nice value: see `PoolOptions.nice`. */
export const BACKGROUND_NICE = 10

/** How a worker thread loads the task module: TypeScript sources (development, tests) need the same loader as ace. */
function bootstrapCode() {
  return `
const { parentPort, workerData } = require('node:worker_threads')
try { if (workerData.nice) require('node:os').setPriority(workerData.nice) } catch {}
;(async () => {
  if (workerData.hook) await import(workerData.hook)
  const mod = await import(workerData.module)
  const transferables = (value, out = [], depth = 0) => {
    if (value instanceof Uint8Array) {
      if (value.byteOffset === 0 && value.byteLength === value.buffer.byteLength && !out.includes(value.buffer)) out.push(value.buffer)
    } else if (value && typeof value === 'object' && depth < 4) {
      for (const item of Object.values(value)) transferables(item, out, depth + 1)
    }
    return out
  }
  let acknowledge = null
  const emit = (chunk) => new Promise((resolve) => {
    acknowledge = resolve
    parentPort.postMessage({ chunk }, transferables(chunk))
  })
  parentPort.on('message', async (message) => {
    if (message.ack) {
      const resolve = acknowledge
      acknowledge = null
      if (resolve) resolve()
      return
    }
    const { task, input } = message
    try {
      const fn = mod.tasks[task]
      if (typeof fn !== 'function') throw new Error('unknown task ' + task)
      const value = await fn(input, emit)
      parentPort.postMessage({ ok: true, value }, transferables(value))
    } catch (error) {
      parentPort.postMessage({ ok: false, message: error && error.message ? error.message : String(error) })
    }
  })
  parentPort.postMessage({ ready: true })
})().catch((error) => { setImmediate(() => { throw error }) })
`
}

let tsHook: string | null | undefined

function hookFor(moduleUrl: URL) {
  if (!moduleUrl.pathname.endsWith('.ts')) return null
  if (tsHook === undefined) {
    try {
      tsHook = import.meta.resolve('ts-node-maintained/register/esm')
    } catch {
      tsHook = null
    }
  }
  return tsHook
}

class PoolThread {
  readonly worker: Worker
  busy: Job | null = null
  ready: Promise<void>
  private timer: NodeJS.Timeout | null = null
  private idleTimer: NodeJS.Timeout | null = null
  dead = false

  constructor(
    moduleUrl: URL,
    private readonly options: PoolOptions,
    private readonly onFree: (thread: PoolThread) => void,
    private readonly onExit: (thread: PoolThread) => void
  ) {
    this.worker = new Worker(bootstrapCode(), {
      eval: true,
      workerData: {
        module: moduleUrl.href,
        hook: hookFor(moduleUrl),
        nice: options.nice ?? BACKGROUND_NICE,
      },
      resourceLimits: {
        maxOldGenerationSizeMb: options.maxHeapMb,
        maxYoungGenerationSizeMb: Math.min(64, Math.max(16, options.maxHeapMb / 8)),
      },
      stdout: false,
      stderr: false,
    })
    this.ready = new Promise((resolve) => {
      const first = (message: { ready?: boolean }) => {
        if (message?.ready) {
          this.worker.off('message', first)
          this.worker.on('message', (result) => {
            if ('chunk' in result) return this.deliver(result.chunk)
            this.finish(
              result.ok
                ? { kind: 'ok', value: result.value }
                : { kind: 'failed', message: result.message }
            )
          })
          resolve()
        }
      }
      this.worker.on('message', first)
    })
    this.worker.on('error', (error: Error & { code?: string }) => {
      this.finish(
        error.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? { kind: 'out_of_memory' }
          : { kind: 'failed', message: error.message }
      )
    })
    this.worker.on('exit', () => {
      this.dead = true
      this.clearTimers()
      this.finish({ kind: 'failed', message: 'the worker thread stopped' })
      this.onExit(this)
    })
  }

  start(job: Job) {
    this.busy = job
    this.clearTimers()
    this.worker.ref()
    this.timer = setTimeout(() => {
      this.finish({ kind: 'timeout', afterMs: job.timeoutMs })
      void this.worker.terminate()
    }, job.timeoutMs)
    void this.ready.then(() => {
      if (this.busy === job && !this.dead)
        this.worker.postMessage({ task: job.task, input: job.input }, job.transfer ?? [])
    })
  }

  /** A chunk the task emitted: handed to the job's consumer, acknowledged when it is done with it. */
  private deliver(chunk: unknown) {
    const job = this.busy
    if (!job) return
    const consume = job.onChunk ? job.onChunk(chunk) : Promise.resolve()
    consume.then(
      () => {
        if (this.busy === job && !this.dead) this.worker.postMessage({ ack: true })
      },
      (error: Error) => {
        this.finish({ kind: 'failed', message: `consumer failed: ${error.message}` })
        void this.worker.terminate()
      }
    )
  }

  private finish(outcome: TaskOutcome<any>) {
    const job = this.busy
    if (!job) return
    this.busy = null
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    job.resolve(outcome)
    if (outcome.kind === 'ok' || outcome.kind === 'failed') {
      if (this.dead) return
      this.worker.unref()
      this.idleTimer = setTimeout(() => void this.worker.terminate(), this.options.idleMs ?? 60_000)
      this.idleTimer.unref()
      this.onFree(this)
    } else {
      // Timed out or out of memory: the thread's state cannot be trusted any more.
      this.dead = true
      void this.worker.terminate()
    }
  }

  private clearTimers() {
    if (this.timer) clearTimeout(this.timer)
    if (this.idleTimer) clearTimeout(this.idleTimer)
    this.timer = null
    this.idleTimer = null
  }
}

export class WorkerPool {
  private readonly threads = new Set<PoolThread>()
  private readonly idle: PoolThread[] = []
  private readonly queue: Job[] = []
  private readonly size: number

  constructor(
    private readonly moduleUrl: URL,
    private readonly options: PoolOptions
  ) {
    this.size = Math.max(1, options.size ?? Math.min(4, cpus().length))
  }

  run<T>(task: string, input: unknown, options: RunOptions): Promise<TaskOutcome<T>> {
    return new Promise((resolve) => {
      this.queue.push({
        task,
        input,
        timeoutMs: options.timeoutMs,
        onChunk: options.onChunk,
        transfer: options.transfer,
        resolve,
      })
      this.dispatch()
    })
  }

  /** Stops every thread (tasks in flight end as failed). */
  async close() {
    const threads = [...this.threads]
    this.threads.clear()
    this.idle.length = 0
    await Promise.all(threads.map((thread) => thread.worker.terminate()))
  }

  private dispatch() {
    while (this.queue.length) {
      let thread = this.idle.pop()
      while (thread && thread.dead) thread = this.idle.pop()
      if (!thread) {
        if (this.threads.size >= this.size) return
        thread = new PoolThread(
          this.moduleUrl,
          this.options,
          (free) => {
            if (!free.dead) this.idle.push(free)
            this.dispatch()
          },
          (gone) => {
            this.threads.delete(gone)
            const at = this.idle.indexOf(gone)
            if (at >= 0) this.idle.splice(at, 1)
            this.dispatch()
          }
        )
        this.threads.add(thread)
      }
      thread.start(this.queue.shift()!)
    }
  }
}

/**
 * One task in a worker thread of its own, ended afterwards: for pure
 * JavaScript work on untrusted input (spreadsheets: no native decoders
 * involved), where a thread's heap limit and time limit suffice and rows can
 * be streamed back with `onChunk`.
 */
export async function runInThread<T>(
  moduleUrl: URL,
  task: string,
  input: unknown,
  options: RunOptions & { maxHeapMb: number }
) {
  const pool = new WorkerPool(moduleUrl, { size: 1, maxHeapMb: options.maxHeapMb, idleMs: 1 })
  try {
    return await pool.run<T>(task, input, options)
  } finally {
    await pool.close()
  }
}

/**
 * The child process side of `runIsolated`: load the task module (through the
 * TypeScript loader in development), run one task, send the result, exit.
 */
function childCode() {
  return `
process.on('message', async ({ module, hook, task, input }) => {
  try {
    if (hook) await import(hook)
    const mod = await import(module)
    const fn = mod.tasks[task]
    if (typeof fn !== 'function') throw new Error('unknown task ' + task)
    const value = await fn(input)
    process.send({ ok: true, value }, () => process.exit(0))
  } catch (error) {
    process.send({ ok: false, message: error && error.message ? error.message : String(error) }, () => process.exit(0))
  }
})
`
}

/** Resident memory of a process, MB, from /proc (Linux); null where there is no /proc. */
function rssOf(pid: number): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const match = /VmRSS:\s+(\d+) kB/.exec(status)
    return match ? Number(match[1]) / 1024 : null
  } catch {
    return null
  }
}

export interface IsolatedOptions extends RunOptions {
  /** V8 heap of the child, MB. */
  maxHeapMb: number
  /** Resident memory of the child (native buffers and decoders included), MB; checked every 50 ms. */
  maxRssMb?: number
}

/**
 * One task in a child process of its own, for input that may be hostile:
 * native code that crashes on a malformed file (image decoders do), a parser
 * that loops, or one that eats memory ends that process only. The time
 * limit, a V8 heap limit and a resident-memory ceiling are enforced from
 * here; the web process's memory does not grow with the child's.
 */
export function runIsolated<T>(
  moduleUrl: URL,
  task: string,
  input: unknown,
  options: IsolatedOptions
): Promise<TaskOutcome<T>> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [`--max-old-space-size=${options.maxHeapMb}`, '-e', childCode()],
      {
        stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
        serialization: 'advanced',
      }
    )
    let settled = false
    let stderr = ''
    const finish = (outcome: TaskOutcome<T>) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      clearInterval(watch)
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
      resolve(outcome)
    }
    const timer = setTimeout(
      () => finish({ kind: 'timeout', afterMs: options.timeoutMs }),
      options.timeoutMs
    )
    const limit = options.maxRssMb ?? options.maxHeapMb + 256
    const watch = setInterval(() => {
      const rss = child.pid ? rssOf(child.pid) : null
      if (rss !== null && rss > limit) finish({ kind: 'out_of_memory' })
    }, 50)
    child.stderr!.on('data', (chunk: Buffer) => {
      if (stderr.length < 64 * 1024) stderr += chunk.toString('utf8')
    })
    child.on('message', (message: { ok: boolean; value?: T; message?: string }) => {
      finish(
        message.ok
          ? { kind: 'ok', value: message.value as T }
          : { kind: 'failed', message: message.message ?? 'failed' }
      )
    })
    child.on('error', (error) => finish({ kind: 'failed', message: error.message }))
    child.on('exit', (code, signal) => {
      if (/heap out of memory|Allocation failed/i.test(stderr)) finish({ kind: 'out_of_memory' })
      else finish({ kind: 'crashed', signal, code })
    })
    child.send({ module: moduleUrl.href, hook: hookFor(moduleUrl), task, input })
  })
}

/** The URL of a sibling module, with the extension this module was loaded with (.ts in development, .js when built). */
export function siblingModule(importMetaUrl: string, name: string) {
  const extension = importMetaUrl.endsWith('.ts') ? '.ts' : '.js'
  return new URL(`./${name}${extension}`, importMetaUrl)
}
