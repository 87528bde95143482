import { BaseCommand, flags } from '@adonisjs/core/ace'
import type { CommandOptions } from '@adonisjs/core/types/ace'

/**
 * node ace billing:dunning [--quiet]
 *
 * Reminds orgs of unpaid invoices (3 and 7 days after issue), makes them
 * past due after the due date and suspends them after the grace period,
 * each notice mailed once. Scheduled daily at 09:30 IST in start/scheduler.ts.
 */
export default class BillingDunning extends BaseCommand {
  static commandName = 'billing:dunning'
  static description = 'Remind orgs of unpaid invoices; past due, then suspended (idempotent)'
  static options: CommandOptions = { startApp: true }

  @flags.boolean({ description: 'Print nothing when nothing changed' })
  declare quiet: boolean

  async run() {
    const { default: RunDunning } = await import('#billing/actions/run_dunning')
    const report = await RunDunning.handle()
    const sent = Object.values(report.notices).reduce((sum, count) => sum + count, 0)
    if (this.quiet && sent === 0 && report.pastDue === 0 && report.suspended === 0) return
    this.logger.info(
      `${report.invoices} unpaid invoice${report.invoices === 1 ? '' : 's'} looked at: ${sent} notice${sent === 1 ? '' : 's'} sent, ${report.pastDue} account${report.pastDue === 1 ? '' : 's'} past due, ${report.suspended} suspended`
    )
  }
}
