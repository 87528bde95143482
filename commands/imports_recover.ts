import { BaseCommand, flags } from '@adonisjs/core/ace'
import type { CommandOptions } from '@adonisjs/core/types/ace'

/**
 * node ace imports:recover [--quiet]
 *
 * Reads again the imports whose read stopped without an outcome (the
 * process reading them restarted or was killed), and waits for those
 * reads. Each import is claimed with a conditional update: runs at once
 * read it once. Scheduled every minute in start/scheduler.ts.
 */
export default class ImportsRecover extends BaseCommand {
  static commandName = 'imports:recover'
  static description = 'Read again the imports whose read stopped without an outcome (idempotent)'
  static options: CommandOptions = { startApp: true }

  @flags.boolean({ description: 'Print nothing when no import needed it' })
  declare quiet: boolean

  async run() {
    const { default: RecoverStaleImports } = await import('#imports/actions/recover_stale_imports')
    const { importRunInFlight } = await import('#imports/services/import_runner')
    const restarted = await RecoverStaleImports.handle()
    // A failed read is logged by the runner and marks its import failed; nothing more to do here.
    await Promise.allSettled(restarted.map((id) => importRunInFlight(id)))
    if (this.quiet && restarted.length === 0) return
    this.logger.info(`${restarted.length} import${restarted.length === 1 ? '' : 's'} read again`)
  }
}
