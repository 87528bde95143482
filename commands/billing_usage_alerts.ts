import { BaseCommand, flags } from '@adonisjs/core/ace'
import type { CommandOptions } from '@adonisjs/core/types/ace'

/**
 * node ace billing:usage-alerts [--quiet]
 *
 * Emails billing contacts when this month's bill reaches a percentage of
 * the org's spend cap, or the trial's free certificates are used up to one,
 * each alert once a month. Scheduled hourly in start/scheduler.ts.
 */
export default class BillingUsageAlerts extends BaseCommand {
  static commandName = 'billing:usage-alerts'
  static description = 'Email spend cap and trial usage alerts (each once a month)'
  static options: CommandOptions = { startApp: true }

  @flags.boolean({ description: 'Print nothing when no alert was due' })
  declare quiet: boolean

  async run() {
    const { default: SendUsageAlerts } = await import('#billing/actions/send_usage_alerts')
    const count = await SendUsageAlerts.handle()
    if (this.quiet && count === 0) return
    this.logger.info(`${count} usage alert${count === 1 ? '' : 's'} sent`)
  }
}
