import { BaseCommand, flags } from '@adonisjs/core/ace'
import type { CommandOptions } from '@adonisjs/core/types/ace'

/**
 * node ace billing:run [--period=YYYY-MM] [--org=<slug>] [--dry-run] [--quiet]
 *
 * Closes an ended billing month (by default the one before today's, in
 * Kolkata) and issues one tax invoice per org and month. Idempotent: run
 * again, twice at once or after a crash, it creates nothing new. Scheduled
 * daily at 02:00 IST in start/scheduler.ts.
 */
export default class BillingRun extends BaseCommand {
  static commandName = 'billing:run'
  static description = 'Close ended billing months and issue their tax invoices (idempotent)'
  static options: CommandOptions = { startApp: true }

  @flags.string({ description: 'The month to close, YYYY-MM (default: last month, Asia/Kolkata)' })
  declare period: string | undefined

  @flags.string({ description: 'Only this organization (its slug)' })
  declare org: string | undefined

  @flags.boolean({ description: 'Print what would be invoiced; write nothing' })
  declare dryRun: boolean

  @flags.boolean({ description: 'Print nothing when nothing was invoiced' })
  declare quiet: boolean

  async run() {
    const { billingMonthNamed } = await import('#billing/services/billing_periods')
    const { default: RunBilling, previousMonth } = await import('#billing/actions/run_billing')
    const { rupees } = await import('#billing/services/invoice_pdf')
    const month = this.period ? billingMonthNamed(this.period) : previousMonth()
    if (!month) {
      this.logger.error(`--period is a month as YYYY-MM (2026-11), not “${this.period}”`)
      this.exitCode = 1
      return
    }
    let report
    try {
      report = await RunBilling.handle(month, { slug: this.org, dryRun: this.dryRun })
    } catch (error) {
      this.logger.error((error as Error).message)
      this.exitCode = 1
      return
    }
    if (this.org && report.orgs === 0) {
      this.logger.error(`no organization “${this.org}” existed in ${month.start.slice(0, 7)}`)
      this.exitCode = 1
      return
    }
    if (this.dryRun) {
      for (const { slug, outcome } of report.outcomes) {
        if (outcome.kind !== 'would_invoice') {
          this.logger.info(`${slug}: ${outcome.kind.replaceAll('_', ' ')}`)
          continue
        }
        this.logger.info(`${slug}: would invoice INR ${rupees(outcome.totalPaise)} (with GST)`)
        for (const line of outcome.lines) {
          this.logger.info(`  ${line.quantity} × ${rupees(line.unitPaise)}  ${line.description}`)
        }
      }
    }
    if (this.quiet && report.invoiced === 0) return
    const verb = this.dryRun ? 'would invoice' : 'invoiced'
    this.logger.info(
      `${month.start.slice(0, 7)}: ${report.orgs} organization${report.orgs === 1 ? '' : 's'}, ${verb} ${report.invoiced} (INR ${rupees(report.totalPaise)} with GST), ${report.nothingToInvoice} with nothing to invoice, ${report.alreadyClosed} already closed, ${report.notBillable} not billable`
    )
  }
}
