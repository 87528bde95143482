await import('reflect-metadata')
import cluster from 'node:cluster'
import { createServer } from 'node:http'
import { fileURLToPath } from 'node:url'
import { Ignitor, prettyPrintError } from '@adonisjs/core'
import type { ApplicationService } from '@adonisjs/core/types'
import {
  GracefulHttpServer,
  drainAll,
  drainOnStop,
  exitIfHeld,
  signalExitCode,
} from '#core/services/graceful_stop'
import { onStopRequest, runWebCluster } from '#core/services/web_cluster'
import { withRequestIds } from '#core/services/request_ids'

const APP_ROOT = new URL('../', import.meta.url)

const IMPORTER = (filePath: string) => {
  if (filePath.startsWith('./') || filePath.startsWith('../')) {
    return import(new URL(filePath, APP_ROOT).href)
  }
  return import(filePath)
}

/*
| Stopping (ARCHITECTURE.md "Stopping"): on SIGTERM or SIGINT the server
| stops accepting, the requests in flight and the queue worker's jobs in
| hand get until the deadline (config/shutdown.ts, SHUTDOWN_TIMEOUT_MS) at
| once, then the app terminates (its terminating hooks, then the database)
| and the process exits 0. A signal during boot stops the app as soon as it
| has started. A second signal, or a stop still running `closeMs` after the
| deadline, ends the process at once.
*/
const http = new GracefulHttpServer()
let application: ApplicationService | null = null
let started = false
let stopSignal: NodeJS.Signals | null = null

async function stop(app: ApplicationService, signal: NodeJS.Signals) {
  const logger = await app.container.make('logger')
  const { graceMs, closeMs } = app.config.get<{ graceMs: number; closeMs: number }>('shutdown')
  const since = Date.now()
  const deadline = since + graceMs
  setTimeout(() => {
    logger.error(`${signal}: the stop took longer than ${graceMs + closeMs} ms; exiting now`)
    process.exit(1)
  }, graceMs + closeMs).unref()
  logger.info(
    { ...http.stats(), graceMs },
    `${signal}: stopping (requests in flight and jobs in hand have ${graceMs} ms)`
  )
  drainOnStop('http', (at) => http.drain(at))
  for (const { name, error } of await drainAll(deadline))
    logger.error({ err: error }, `stopping: could not drain ${name}`)
  await app.terminate()
  // A web process of a cluster: its channel to the primary is the last thing holding it.
  if (cluster.isWorker) process.disconnect()
  // The event loop should be empty now; name whatever still holds it, then go anyway.
  exitIfHeld(500, 0, (resources) =>
    logger.warn({ resources }, 'stopped, but something still held the process; exiting')
  )
  logger.info(`stopped in ${Date.now() - since} ms`)
}

function onSignal(signal: NodeJS.Signals) {
  if (stopSignal) {
    process.stderr.write(`${signal} again: exiting now\n`)
    process.exit(signalExitCode(signal))
  }
  stopSignal = signal
  if (started && application) stopping(application, signal)
}

function stopping(app: ApplicationService, signal: NodeJS.Signals) {
  stop(app, signal).catch((error) => {
    prettyPrintError(error)
    process.exit(1)
  })
}

function serve() {
  new Ignitor(APP_ROOT, { importer: IMPORTER })
    .tap((app) => {
      application = app
      app.booting(async () => {
        await import('#start/env')
      })
      if (cluster.isWorker) {
        onStopRequest(onSignal)
      } else {
        process.on('SIGTERM', onSignal)
        process.on('SIGINT', onSignal)
      }
    })
    .httpServer()
    .start((handler) => http.attach(createServer(http.listener(withRequestIds(handler)))))
    .then(() => {
      started = true
      if (stopSignal && application) stopping(application, stopSignal)
    })
    .catch(async (error) => {
      // Nothing is served (the port is taken, the configuration is wrong): whatever the boot
      // opened (the database pool, timers) must not keep a process that does nothing alive.
      await prettyPrintError(error)
      process.exit(1)
    })
}

/*
| WEB_CONCURRENCY=N (N > 1): this process becomes the primary of N web
| processes (#core/services/web_cluster, ARCHITECTURE.md "Web processes"):
| it boots no app, each of them is this file again, serving as above, and
| the queue's work runs beside them in `node ace queue:work`.
*/
const { default: env } = await import('#start/env')
const processes = env.get('WEB_CONCURRENCY') ?? 1
if (cluster.isPrimary && processes > 1) {
  const { default: shutdown } = await import('#config/shutdown')
  const { default: queue } = await import('#config/queue')
  const ace = fileURLToPath(new URL('ace.js', APP_ROOT))
  runWebCluster({
    processes,
    stopMs: shutdown.graceMs + shutdown.closeMs,
    queueWorker: queue.worker === 'in-process' ? [ace, 'queue:work'] : null,
  })
} else {
  serve()
}
