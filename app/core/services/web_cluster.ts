import { type ChildProcess, spawn } from 'node:child_process'
import cluster, { type Worker } from 'node:cluster'
import { setPriority } from 'node:os'
import { signalExitCode } from '#core/services/graceful_stop'
import { BACKGROUND_NICE } from '#core/services/worker_pool'

/*
| Several web processes on one host (ARCHITECTURE.md "Web processes"):
| `WEB_CONCURRENCY=N` makes bin/server.ts a small primary process that
| boots no app, forks N web processes sharing its port (Node's cluster,
| connections handed out in turn), restarts one that dies, relays the
| messages they send each other, and stops them all on SIGTERM/SIGINT.
| Each web process is the whole app. The queue's work runs beside them in
| one more process of the primary's, `node ace queue:work`, so no web
| process's event loop claims jobs or writes their rows.
*/

/** How many web processes serve this host's port: 1 when this one runs alone. */
export const webProcess = {
  count: cluster.isWorker ? Math.max(1, Number(process.env.WEB_PROCESSES ?? 1)) : 1,
}

/**
 * A per-host limit shared out among the web processes, each counting its
 * own part, ⌈limit ÷ N⌉: together at most N·⌈limit ÷ N⌉ (the limit, when N
 * divides it). New connections are handed out in turn, so a client opening
 * several is spread over the processes; one keep-alive connection stays
 * with one process and meets its share.
 */
export function shareOfLimit(limit: number) {
  return Math.max(1, Math.ceil(limit / webProcess.count))
}

// ---------------------------------------------------------------- messages between web processes

type SiblingHandler = (payload: unknown) => void
interface SiblingsMessage {
  authentix: 'siblings'
  messages: Array<{ channel: string; payload: unknown }>
}
interface StopMessage {
  authentix: 'stop'
  signal: NodeJS.Signals
}

const handlers = new Map<string, Set<SiblingHandler>>()
let outbox: SiblingsMessage['messages'] = []

function isSiblingsMessage(message: unknown): message is SiblingsMessage {
  return (message as SiblingsMessage | null)?.authentix === 'siblings'
}

/**
 * Tells the other web processes of this host `payload` on `channel` (a
 * cache entry to forget). Nothing when this process runs alone. Messages
 * said in one run of synchronous code go together as one IPC message, sent
 * in a microtask: before the code awaiting the change goes on, so before
 * the response that made the change is written, and the primary relays it
 * before it hands the client's next connection to another process.
 * Delivery is best effort (a process starting may miss one), so whatever
 * listens must also be correct without it (caches expire).
 */
export function tellSiblings(channel: string, payload: unknown) {
  if (!cluster.isWorker) return
  outbox.push({ channel, payload })
  if (outbox.length > 1) return
  queueMicrotask(() => {
    const messages = outbox
    outbox = []
    if (process.connected) process.send!({ authentix: 'siblings', messages })
  })
}

/** Calls `handler` with what the other web processes say on `channel`; returns the function that stops it. */
export function onSiblings(channel: string, handler: SiblingHandler) {
  const set = handlers.get(channel) ?? new Set()
  set.add(handler)
  handlers.set(channel, set)
  return () => void set.delete(handler)
}

if (cluster.isWorker) {
  process.on('message', (message: unknown) => {
    if (!isSiblingsMessage(message)) return
    for (const { channel, payload } of message.messages) {
      for (const handler of handlers.get(channel) ?? []) handler(payload)
    }
  })
}

/**
 * In a web process of a cluster: `stop` is called once, with the signal,
 * when the primary asks this process to stop, when this process itself gets
 * SIGTERM or SIGINT (a terminal's Ctrl-C reaches the whole group), or when
 * the primary is gone. Later requests are ignored here: escalating (a
 * second signal ends everything at once) is the primary's.
 */
export function onStopRequest(stop: (signal: NodeJS.Signals) => void) {
  let requested = false
  const request = (signal: NodeJS.Signals) => {
    if (requested) return
    requested = true
    stop(signal)
  }
  process.on('SIGTERM', () => request('SIGTERM'))
  process.on('SIGINT', () => request('SIGINT'))
  process.on('message', (message: unknown) => {
    if ((message as StopMessage | null)?.authentix === 'stop')
      request((message as StopMessage).signal)
  })
  // Node's cluster exits a web process at once (code 0) when its channel to the primary closes,
  // unless the process disconnected on purpose: claim that, and stop as on SIGTERM instead, so the
  // requests in flight finish and the buffers flush when the primary dies.
  process.prependListener('disconnect', () => {
    if (cluster.worker) cluster.worker.exitedAfterDisconnect = true
    request('SIGTERM')
  })
}

// ---------------------------------------------------------------- the primary

const RESTART_DELAY_MS = 1000

/** A process asked to stop that exited 0, or died of the stop's own signal before it could handle it. */
const stoppedCleanly = (code: number | null, signal: string | null) =>
  code === 0 || signal === 'SIGTERM' || signal === 'SIGINT' || code === 130 || code === 143

/** A message to a process that has just gone is simply not delivered (its exit is handled). */
const ignoreSendError = () => {}

export interface WebClusterOptions {
  processes: number
  /** The queue worker's command (`[ace, 'queue:work']`), run beside them; null for none (QUEUE_WORKER=off). */
  queueWorker: string[] | null
  /** The web processes' own stop time (grace + close): after it, and a second more, they are killed. */
  stopMs: number
  /**
   * A process that dies after it started listening is replaced; more such
   * deaths than this within a minute end the cluster.
   */
  maxRestartsPerMinute?: number
}

/** One log line in the web processes' format (pino's JSON), from the primary, which boots no logger. */
function log(level: 'info' | 'warn' | 'error', msg: string, fields: Record<string, unknown> = {}) {
  const levels = { info: 30, warn: 40, error: 50 }
  process.stdout.write(
    `${JSON.stringify({ level: levels[level], time: Date.now(), pid: process.pid, role: 'web-primary', ...fields, msg })}\n`
  )
}

/**
 * Runs the primary of `processes` web processes (this file's header). A web
 * process that fails before it listens (a port in use, a bad configuration)
 * stops the cluster with exit code 1: restarting it would fail the same way.
 */
export function runWebCluster(options: WebClusterOptions) {
  const running = new Map<number, Worker>()
  const listening = new Set<Worker>()
  const webRestarts: number[] = []
  const queueRestarts: number[] = []
  let stopping: NodeJS.Signals | null = null
  let exitCode = 0
  let queueWorker: ChildProcess | null = null

  const everyoneStopped = () => running.size === 0 && !queueWorker
  const exitWhenAllStopped = () => {
    if (!everyoneStopped()) return
    log('info', `${stopping}: every process has stopped`)
    process.exit(exitCode)
  }

  /** Counts a death after a start; false (and the cluster stops) after too many within a minute. */
  const mayRestart = (restarts: number[], what: string, how: string) => {
    const now = Date.now()
    restarts.push(now)
    while (restarts.length && restarts[0] < now - 60_000) restarts.shift()
    if (restarts.length > (options.maxRestartsPerMinute ?? 5)) {
      log('error', `${what} exited (${how}); too many restarts in a minute, stopping`)
      stop('SIGTERM', 1)
      return false
    }
    log('warn', `${what} exited (${how}); starting another in ${RESTART_DELAY_MS} ms`)
    return true
  }

  const fork = (index: number) => {
    const worker = cluster.fork({ WEB_PROCESSES: String(options.processes) })
    running.set(index, worker)
    // A write to a process that is exiting fails with EPIPE; unheard, that error would end the primary.
    worker.on('error', (error) => log('warn', `web process ${index}: ${error.message}`))
    worker.on('listening', () => {
      listening.add(worker)
      // Asked to stop while it was starting: it can hear it now.
      if (stopping) worker.send({ authentix: 'stop', signal: stopping } satisfies StopMessage)
    })
    worker.on('message', (message: unknown) => {
      if (!isSiblingsMessage(message)) return
      for (const other of running.values()) {
        if (other !== worker && other.isConnected()) other.send(message, ignoreSendError)
      }
    })
    worker.on('exit', (code, signal) => {
      if (running.get(index) === worker) running.delete(index)
      const wasListening = listening.delete(worker)
      if (stopping) {
        if (!stoppedCleanly(code, signal)) exitCode = 1
        return exitWhenAllStopped()
      }
      const how = signal ? `signal ${signal}` : `code ${code}`
      if (!wasListening) {
        log('error', `web process ${index} exited (${how}) before it started listening; stopping`)
        stop('SIGTERM', 1)
        return
      }
      if (mayRestart(webRestarts, `web process ${index}`, how)) {
        setTimeout(() => stopping || fork(index), RESTART_DELAY_MS)
      }
    })
  }

  const startQueueWorker = (command: string[]) => {
    // Its own process group, so a terminal's Ctrl-C does not signal it beside the primary's SIGTERM
    // (two signals end queue:work at once); the IPC channel tells it when the primary is gone.
    const child = spawn(process.execPath, [...process.execArgv, ...command], {
      stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
      detached: true,
    })
    // Background work: on a busy host the web processes get the cores first (as the rendering threads are).
    try {
      if (child.pid) setPriority(child.pid, BACKGROUND_NICE)
    } catch {
      // Already gone (its exit is handled below), or a platform without priorities.
    }
    queueWorker = child
    child.on('error', (error) => log('warn', `the queue worker: ${error.message}`))
    child.on('exit', (code, signal) => {
      if (queueWorker === child) queueWorker = null
      if (stopping) {
        if (!stoppedCleanly(code, signal)) exitCode = 1
        return exitWhenAllStopped()
      }
      const how = signal ? `signal ${signal}` : `code ${code}`
      if (mayRestart(queueRestarts, 'the queue worker', how)) {
        setTimeout(() => stopping || startQueueWorker(command), RESTART_DELAY_MS)
      }
    })
  }

  function stop(signal: NodeJS.Signals, code = 0) {
    stopping = signal
    exitCode = code
    const what = `${running.size} web processes${queueWorker ? ' and the queue worker' : ''}`
    log('info', `${signal}: stopping ${what}`)
    // A process still starting gets SIGTERM (a message before it listens for one would be lost);
    // it stops once it has started, or dies of the signal if it had not yet set its handlers.
    for (const worker of running.values()) {
      if (listening.has(worker) && worker.isConnected()) {
        worker.send({ authentix: 'stop', signal } satisfies StopMessage, ignoreSendError)
      } else {
        worker.process.kill('SIGTERM')
      }
    }
    // queue:work drains on SIGTERM as a web process does (ARCHITECTURE.md "Stopping").
    queueWorker?.kill('SIGTERM')
    if (everyoneStopped()) process.exit(exitCode)
    const killAfterMs = options.stopMs + 1000
    setTimeout(() => {
      log('error', `${signal}: processes still running after ${killAfterMs} ms; killing them`)
      killAll()
      process.exit(1)
    }, killAfterMs).unref()
  }

  const killAll = () => {
    for (const worker of running.values()) worker.process.kill('SIGKILL')
    queueWorker?.kill('SIGKILL')
  }

  const onSignal = (signal: NodeJS.Signals) => {
    if (!stopping) return stop(signal)
    process.stderr.write(`${signal} again: killing the web processes and exiting now\n`)
    killAll()
    process.exit(signalExitCode(signal))
  }
  process.on('SIGTERM', onSignal)
  process.on('SIGINT', onSignal)

  const queueNote = options.queueWorker ? ' and a queue worker' : ''
  log('info', `starting ${options.processes} web processes${queueNote}`)
  for (let index = 0; index < options.processes; index++) fork(index)
  if (options.queueWorker) startQueueWorker(options.queueWorker)
}
