import { BaseCommand, flags } from '@adonisjs/core/ace'
import type { CommandOptions } from '@adonisjs/core/types/ace'

/**
 * node ace queue:failed [--limit=50]
 *
 * The dead letters: jobs that failed at every attempt, newest first, with
 * their last error. `node ace queue:retry <id>` (or `--all`) runs them again.
 */
export default class QueueFailed extends BaseCommand {
  static commandName = 'queue:failed'
  static description = 'List queue jobs that failed for good (dead letters), newest first'
  static options: CommandOptions = { startApp: true }

  @flags.number({ description: 'How many to list (default 50)' })
  declare limit: number | undefined

  async run() {
    const { Queue } = await import('#core/queue/queue')
    const jobs = await Queue.failed(this.limit ?? 50)
    if (jobs.length === 0) {
      this.logger.info('No failed queue job.')
      return
    }
    const table = this.ui.table()
    table.head(['id', 'kind', 'attempts', 'failed at', 'last error'])
    for (const job of jobs)
      table.row([
        job.id,
        job.kind,
        `${job.attempts}/${job.maxAttempts}`,
        job.finishedAt?.toISO() ?? '',
        (job.lastError ?? '').slice(0, 120),
      ])
    table.render()
  }
}
