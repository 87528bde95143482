import { BaseCommand, flags } from '@adonisjs/core/ace'
import type { CommandOptions } from '@adonisjs/core/types/ace'

/**
 * node ace certificates:sweep-orphans [--hours=24] [--quiet]
 *
 * Deletes the stored objects of recently finished generation jobs that no
 * file row points at (what a failed attempt left behind). Idempotent;
 * scheduled every hour in start/scheduler.ts. `--hours` reaches further
 * back after the schedule has been down.
 */
export default class CertificatesSweepOrphans extends BaseCommand {
  static commandName = 'certificates:sweep-orphans'
  static description =
    'Delete stored objects of finished generation jobs that no file points at (idempotent)'
  static options: CommandOptions = { startApp: true }

  @flags.number({ description: 'Jobs finished within this many hours', default: 24 })
  declare hours: number

  @flags.boolean({ description: 'Print nothing when nothing was deleted' })
  declare quiet: boolean

  async run() {
    const { default: SweepFinishedJobs } = await import('#certificates/actions/sweep_finished_jobs')
    const { jobs, objects, failed } = await SweepFinishedJobs.handle({
      within: { hours: this.hours },
    })
    if (failed > 0) this.exitCode = 1
    if (this.quiet && objects === 0 && failed === 0) return
    const some = (count: number, noun: string) => `${count} ${noun}${count === 1 ? '' : 's'}`
    this.logger.info(
      `${some(objects, 'orphaned object')} deleted (${some(jobs, 'finished job')} looked at` +
        `${failed ? `, ${failed} could not be swept` : ''})`
    )
  }
}
