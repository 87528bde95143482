import { BaseCommand, flags } from '@adonisjs/core/ace'
import type { CommandOptions } from '@adonisjs/core/types/ace'

/**
 * node ace queue:work [--lanes=2] [--once]
 *
 * A standalone queue worker: claims jobs of every registered kind (today,
 * chunks of certificate jobs) from the database and runs them. Several can
 * run at once against PostgreSQL; a worker killed mid-job loses nothing
 * (its lease runs out and another worker, or this one restarted, takes the
 * job over). SIGTERM/SIGINT finish the jobs in hand, then exit.
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
    const worker = new QueueWorker({ lanes: this.lanes, exitWhenIdle: this.once })
    this.logger.info(`queue worker ${worker.owner} started`)
    const stop = async () => {
      this.logger.info('stopping after the jobs in hand')
      await worker.stop()
    }
    process.once('SIGTERM', stop)
    process.once('SIGINT', stop)
    worker.start()
    await worker.finished()
    await closeRenderThreads()
    await this.terminate()
    // Stopped and closed: a handle a library leaves open (seen after a SIGTERM: one socket) must not keep us alive.
    setTimeout(() => process.exit(), 2000).unref()
  }
}
