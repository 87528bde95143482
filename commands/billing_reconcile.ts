import { BaseCommand, flags } from '@adonisjs/core/ace'
import type { CommandOptions } from '@adonisjs/core/types/ace'

/**
 * node ace billing:reconcile [--quiet]
 *
 * Asks Razorpay after orders not yet paid, payments only authorized and
 * refunds still pending, and settles them as their webhooks would have:
 * a lost webhook loses nothing. Scheduled hourly in start/scheduler.ts.
 */
export default class BillingReconcile extends BaseCommand {
  static commandName = 'billing:reconcile'
  static description = 'Settle Razorpay orders, payments and refunds from Razorpay’s own answers'
  static options: CommandOptions = { startApp: true }

  @flags.boolean({ description: 'Print nothing when nothing changed' })
  declare quiet: boolean

  async run() {
    const { default: ReconcileRazorpay } = await import('#billing/actions/reconcile_razorpay')
    const report = await ReconcileRazorpay.handle()
    if (!report.configured) {
      if (!this.quiet)
        this.logger.info(
          'Razorpay is not configured (RAZORPAY_KEY_ID, RAZORPAY_KEY_SECRET): nothing to reconcile'
        )
      return
    }
    for (const problem of report.problems) this.logger.warning(problem)
    if (report.problems.length > 0) this.exitCode = 1
    if (this.quiet && report.settled === 0) return
    this.logger.info(`asked Razorpay about ${report.checked}; ${report.settled} settled`)
  }
}
