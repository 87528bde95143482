import { BaseCommand, flags } from '@adonisjs/core/ace'
import type { CommandOptions } from '@adonisjs/core/types/ace'

/**
 * node ace queue:work [--lanes=2] [--once]
 *
 * A standalone generation worker: claims chunks of certificate jobs from
 * the database and issues them (rendering in worker threads). Several can
 * run at once against PostgreSQL; a worker killed mid-chunk loses nothing
 * (its lease runs out and another worker, or this one restarted, takes the
 * chunk over). SIGTERM/SIGINT finish the chunks in hand, then exit.
 */
export default class QueueWork extends BaseCommand {
  static commandName = 'queue:work'
  static description =
    'Run a certificate generation worker until stopped (or, with --once, until no work is left)'
  static options: CommandOptions = { startApp: true, staysAlive: true }

  @flags.number({ description: 'Chunks processed at once (default: one per rendering thread)' })
  declare lanes: number | undefined

  @flags.boolean({ description: 'Exit when no claimable chunk is left' })
  declare once: boolean

  async run() {
    const { GenerationWorker } = await import('#certificates/services/generation_worker')
    const { closeRenderThreads } = await import('#certificates/services/render_threads')
    const worker = new GenerationWorker({ lanes: this.lanes, exitWhenIdle: this.once })
    this.logger.info(`generation worker ${worker.owner} started`)
    const stop = async () => {
      this.logger.info('stopping after the chunks in hand')
      await worker.stop()
    }
    process.once('SIGTERM', stop)
    process.once('SIGINT', stop)
    worker.start()
    await worker.finished()
    await closeRenderThreads()
    await this.terminate()
  }
}
