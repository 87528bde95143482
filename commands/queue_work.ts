import { BaseCommand, flags } from '@adonisjs/core/ace'
import type { CommandOptions } from '@adonisjs/core/types/ace'

/**
 * node ace queue:work [--lanes=2] [--once]
 *
 * A standalone queue worker: claims jobs of every registered kind (today,
 * chunks of certificate jobs) from the database and runs them. Several can
 * run at once against PostgreSQL; a worker killed mid-job loses nothing
 * (its lease runs out and another worker, or this one restarted, takes the
 * job over). SIGTERM/SIGINT: nothing more is claimed, the jobs in hand may
 * finish within SHUTDOWN_TIMEOUT_MS, those still running are then given
 * back to the queue (any worker claims them at once, the attempt not
 * counted), and the process exits; a second signal ends it at once.
 */
export default class QueueWork extends BaseCommand {
  static commandName = 'queue:work'
  static description =
    'Run a queue worker until stopped (or, with --once, until no job is left to claim)'
  static options: CommandOptions = { startApp: true, staysAlive: true }

  @flags.number({
    description: 'Jobs run at once (default: QUEUE_LANES, one per rendering thread)',
  })
  declare lanes: number | undefined

  @flags.boolean({ description: 'Exit when no claimable job is left' })
  declare once: boolean

  async run() {
    const { QueueWorker } = await import('#core/queue/worker')
    const { closeRenderThreads } = await import('#certificates/services/render_threads')
    const { exitIfHeld, settledBy, signalExitCode } = await import('#core/services/graceful_stop')
    const { graceMs, closeMs } = this.app.config.get<{ graceMs: number; closeMs: number }>(
      'shutdown'
    )
    const worker = new QueueWorker({ lanes: this.lanes, exitWhenIdle: this.once })
    this.logger.info(`queue worker ${worker.owner} started`)

    // bin/console.ts terminates the app on SIGTERM, so the worker drains in a terminating hook:
    // those run before the database closes. (Draining beside it instead let the database close
    // under the jobs in hand, whose last queries opened a new pool that then held the process.)
    this.app.terminating(async () => {
      this.logger.info(`stopping: the jobs in hand have ${graceMs} ms`)
      await worker.stop({ deadline: Date.now() + graceMs })
      if (worker.givenBack > 0)
        this.logger.info(`${worker.givenBack} job(s) given back to the queue`)
      // A job given back may still be drawing: ending the threads ends its run (it writes nothing now).
      await closeRenderThreads()
      await settledBy(worker.finished(), Date.now() + closeMs / 2)
    })
    // A signal while the app booted terminated it already (bin/console.ts): nothing to start.
    if (this.app.isTerminating || this.app.isTerminated) {
      this.logger.info('stopped before the worker started')
      return
    }
    let signalled = false
    const onSignal = (signal: NodeJS.Signals) => {
      if (signalled) {
        this.logger.warning(`${signal} again: exiting now`)
        process.exit(signalExitCode(signal))
      }
      signalled = true
      setTimeout(() => {
        this.logger.error(`the stop took longer than ${graceMs + closeMs} ms; exiting now`)
        process.exit(1)
      }, graceMs + closeMs).unref()
      void this.app.terminate()
    }
    process.on('SIGTERM', onSignal)
    process.on('SIGINT', onSignal)

    worker.start()
    await worker.finished()
    await closeRenderThreads()
    await this.terminate()
    // After a signal that terminate returned at once (bin/console.ts's is under way): wait for it.
    while (!this.app.isTerminated) await new Promise((resolve) => setTimeout(resolve, 25))
    // The event loop should be empty now; name whatever still holds it, then go anyway.
    exitIfHeld(500, 0, (resources) =>
      this.logger.warning(`stopped, but ${resources.join(', ')} still held the process; exiting`)
    )
  }
}
