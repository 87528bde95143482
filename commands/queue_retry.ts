import { BaseCommand, args, flags } from '@adonisjs/core/ace'
import type { CommandOptions } from '@adonisjs/core/types/ace'

/**
 * node ace queue:retry <id>… | --all
 *
 * Dead letters back to the queue with their attempts reset; each kind's
 * `retried` hook runs in the same transaction (a certificate chunk reopens
 * its job, as the job page's Retry does).
 */
export default class QueueRetry extends BaseCommand {
  static commandName = 'queue:retry'
  static description = 'Run failed queue jobs again: the ids given, or every one with --all'
  static options: CommandOptions = { startApp: true }

  @args.spread({ description: 'Ids of failed jobs (see queue:failed)', required: false })
  declare ids: string[] | undefined

  @flags.boolean({ description: 'Retry every failed job' })
  declare all: boolean

  async run() {
    const ids = this.ids ?? []
    if (!this.all && ids.length === 0) {
      this.logger.error('Give the ids of failed jobs (node ace queue:failed lists them), or --all.')
      this.exitCode = 1
      return
    }
    const { default: db } = await import('@adonisjs/lucid/services/db')
    const { Queue } = await import('#core/queue/queue')
    const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
    const retried = await db.transaction((trx) =>
      Queue.retry(trx, this.all ? { all: true } : { ids: ids.filter((id) => UUID.test(id)) })
    )
    const missing = ids.filter((id) => !retried.some((job) => job.id === id))
    for (const id of missing) this.logger.warning(`${id}: no failed job with this id`)
    this.logger.info(`${retried.length} job${retried.length === 1 ? '' : 's'} back in the queue`)
    if (missing.length > 0) this.exitCode = 1
  }
}
