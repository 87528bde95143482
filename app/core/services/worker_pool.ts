import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { fileURLToPath } from 'node:url'
import { MessageChannel } from 'node:worker_threads'
import { Piscina } from 'piscina'

/**
 * Heavy work (PDF parsing and rendering, spreadsheet parsing, zipping) runs
 * off the web process's event loop: trusted work in a pool of worker
 * threads (piscina), a possibly hostile file in a child process
 * (`IsolatedPool`, `runIsolated`). A task module exports
 * `tasks = { name: async (input) => output }`; the pool runs a task in one
 * of its threads with a time limit and a heap limit, and a thread that
 * overran either is terminated and replaced, so a hostile file costs a
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
  /** Counted from the moment a thread starts the task, not while it waits for one. */
  timeoutMs: number
  /**
   * Receives what the task passes to its `emit` (its second argument) while
   * it runs; the task waits until this resolves, so a fast producer never
   * outruns a slow consumer (rows streamed into the database).
   */
  onChunk?: (chunk: any) => Promise<void>
  /** Buffers of the input moved to the thread instead of copied (the caller must not use them afterwards). */
  transfer?: ArrayBuffer[]
  /**
   * Cancels the task: taken out of the queue if it has not started, its
   * thread terminated if it has. The promise then rejects with the
   * signal's reason.
   */
  signal?: AbortSignal
}

/** Background threads' nice value: see `PoolOptions.nice`. */
export const BACKGROUND_NICE = 10

let tsHook: string | null | undefined

/** In development and tests the modules are TypeScript: threads and children need the same loader as ace. */
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

const TIMED_OUT = Symbol('timed out')

/**
 * A pool of worker threads over one task module (piscina): threads start
 * when work comes and leave after `idleMs` idle, each with a V8 heap limit
 * and a lower priority than the event loop; a task that overruns its time
 * or heap ends its thread, which the pool replaces.
 */
export class WorkerPool {
  private readonly piscina: Piscina
  private running = 0

  constructor(moduleUrl: URL, options: PoolOptions) {
    const entry = siblingModule(import.meta.url, 'pool_thread')
    const hook = hookFor(entry) ?? hookFor(moduleUrl)
    this.piscina = new Piscina({
      filename: fileURLToPath(entry),
      workerData: { module: moduleUrl.href },
      minThreads: 0,
      maxThreads: Math.max(1, options.size ?? Math.min(4, cpus().length)),
      idleTimeout: options.idleMs ?? 60_000,
      niceIncrement: options.nice ?? BACKGROUND_NICE,
      // piscina's default parks an idle thread in Atomics.wait, which also stops its event loop: a
      // task's async tail then waits for the next task. The generate bench at 1k: 767 certs/s
      // with it, 1,603–1,624 without (main's own pool: 1,531, same machine, same minute).
      useAtomics: false,
      resourceLimits: {
        maxOldGenerationSizeMb: options.maxHeapMb,
        maxYoungGenerationSizeMb: Math.min(64, Math.max(16, options.maxHeapMb / 8)),
      },
      execArgv: hook ? [...process.execArgv, '--import', hook] : undefined,
    })
    // A thread that fails with no task on it (it could not even load) is replaced; nothing to answer.
    this.piscina.on('error', () => {})
  }

  /** Threads alive, tasks running and tasks waiting for a thread. */
  stats() {
    return {
      threads: this.piscina.threads.length,
      running: this.running,
      queued: this.piscina.queueSize,
    }
  }

  async run<T>(task: string, input: unknown, options: RunOptions): Promise<TaskOutcome<T>> {
    options.signal?.throwIfAborted()
    const channel = new MessageChannel()
    const stop = new AbortController()
    const cancel = () => stop.abort(options.signal!.reason)
    options.signal?.addEventListener('abort', cancel, { once: true })
    let timer: NodeJS.Timeout | null = null
    let started = false
    channel.port1.on('message', (message: { started?: true; chunk?: unknown }) => {
      if (message.started) {
        started = true
        this.running++
        timer = setTimeout(() => stop.abort(TIMED_OUT), options.timeoutMs)
        return
      }
      const consume = options.onChunk ? options.onChunk(message.chunk) : Promise.resolve()
      consume.then(
        () => channel.port1.postMessage({ ack: true }),
        (error: Error) => stop.abort(new Error(`consumer failed: ${error.message}`))
      )
    })
    try {
      const value = await this.piscina.run(
        { task, input, port: channel.port2 },
        {
          transferList: [...(options.transfer ?? []), channel.port2] as any,
          signal: stop.signal,
        }
      )
      return { kind: 'ok', value: value as T }
    } catch (error) {
      const reason = stop.signal.aborted ? stop.signal.reason : null
      if (reason === TIMED_OUT) return { kind: 'timeout', afterMs: options.timeoutMs }
      if (reason !== null && options.signal?.aborted) throw options.signal.reason
      if (reason instanceof Error) return { kind: 'failed', message: reason.message }
      if ((error as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY')
        return { kind: 'out_of_memory' }
      return { kind: 'failed', message: (error as Error)?.message ?? String(error) }
    } finally {
      if (timer) clearTimeout(timer)
      if (started) this.running--
      options.signal?.removeEventListener('abort', cancel)
      channel.port1.close()
    }
  }

  /** Stops every thread (tasks in flight end as failed). */
  async close() {
    await this.piscina.destroy()
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

/**
 * Possibly hostile files parsed in child processes (`runIsolated`), at most
 * `concurrency` at once in this process, the others waiting their turn in
 * order. Each child has its heap limit and memory ceiling, so however many
 * uploads arrive together, parsing them holds at most `concurrency` ×
 * `maxRssMb`.
 */
export class IsolatedPool {
  private running = 0
  private peak = 0
  private readonly waiting: Array<() => void> = []

  constructor(
    private readonly moduleUrl: URL,
    private readonly options: Omit<IsolatedOptions, 'onChunk' | 'transfer'> & {
      concurrency: number
    }
  ) {}

  /** Children running now, tasks waiting for one, and the most that ever ran at once. */
  stats() {
    return { running: this.running, waiting: this.waiting.length, peak: this.peak }
  }

  async run<T>(task: string, input: unknown): Promise<TaskOutcome<T>> {
    if (this.running < Math.max(1, this.options.concurrency)) this.running++
    // A finishing task hands its place straight to the first one waiting.
    else await new Promise<void>((resolve) => this.waiting.push(resolve))
    this.peak = Math.max(this.peak, this.running)
    try {
      return await runIsolated<T>(this.moduleUrl, task, input, this.options)
    } finally {
      const next = this.waiting.shift()
      if (next) next()
      else this.running--
    }
  }
}

/** The URL of a sibling module, with the extension this module was loaded with (.ts in development, .js when built). */
export function siblingModule(importMetaUrl: string, name: string) {
  const extension = importMetaUrl.endsWith('.ts') ? '.ts' : '.js'
  return new URL(`./${name}${extension}`, importMetaUrl)
}
