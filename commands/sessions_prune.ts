import { BaseCommand, flags } from '@adonisjs/core/ace'
import type { CommandOptions } from '@adonisjs/core/types/ace'

/**
 * node ace sessions:prune [--quiet]
 *
 * Deletes expired signed-in sessions (guests' sessions are cookies and
 * leave nothing behind). Idempotent; scheduled hourly in start/scheduler.ts.
 */
export default class SessionsPrune extends BaseCommand {
  static commandName = 'sessions:prune'
  static description = 'Delete expired sessions rows (idempotent)'
  static options: CommandOptions = { startApp: true }

  @flags.boolean({ description: 'Print nothing when nothing was deleted' })
  declare quiet: boolean

  async run() {
    const { default: PruneExpiredSessions } =
      await import('#identity/actions/prune_expired_sessions')
    const { deleted } = await PruneExpiredSessions.handle()
    if (this.quiet && deleted === 0) return
    this.logger.info(`${deleted} expired session${deleted === 1 ? '' : 's'} deleted`)
  }
}
