import db from '@adonisjs/lucid/services/db'
import { DateTime } from 'luxon'
import RecordAudit from '#core/actions/record_audit'
import { orgChanged } from '#core/services/org_changes'
import { dbTimestamp } from '#core/services/database_time'
import billing from '#config/billing'
import BillingInvoice from '#billing/models/billing_invoice'
import { BILLING_ZONE } from '#billing/services/billing_periods'
import { type NoticeKind, recordNotices } from '#billing/services/invoice_notices'

export interface DunningReport {
  invoices: number
  notices: Record<NoticeKind, number>
  pastDue: number
  suspended: number
}

/** An unpaid invoice's steps and the day (Kolkata) each is reached, mildest first. */
export function dunningSteps(invoice: Pick<BillingInvoice, 'issueDate' | 'dueDate'>) {
  const issued = DateTime.fromISO(invoice.issueDate, { zone: BILLING_ZONE })
  const due = DateTime.fromISO(invoice.dueDate ?? invoice.issueDate, { zone: BILLING_ZONE })
  return [
    { kind: 'reminder_3', day: issued.plus({ days: 3 }).toISODate()! },
    { kind: 'reminder_7', day: issued.plus({ days: 7 }).toISODate()! },
    { kind: 'past_due', day: due.plus({ days: 1 }).toISODate()! },
    { kind: 'suspended', day: due.plus({ days: 1 + billing.graceDays }).toISODate()! },
  ] as const satisfies readonly { kind: NoticeKind; day: string }[]
}

/**
 * `node ace billing:dunning` (daily): for every unpaid invoice, reminders 3
 * and 7 days after its issue, the org `past_due` the day after its due
 * date and `suspended` `BILLING_GRACE_DAYS` later, each notice mailed once.
 * A run that finds several steps reached at once (it did not run for days)
 * sends only the gravest and records the others as skipped. Paying restores
 * `active` at once (the payment's own transaction); nothing here ever
 * touches certificates: they verify, download and deliver whatever the state.
 */
export default class RunDunning {
  static async handle(now: DateTime = DateTime.utc()): Promise<DunningReport> {
    const today = now.setZone(BILLING_ZONE).toISODate()!
    const report: DunningReport = {
      invoices: 0,
      notices: { invoice_issued: 0, reminder_3: 0, reminder_7: 0, past_due: 0, suspended: 0 },
      pastDue: 0,
      suspended: 0,
    }
    const firstStep = DateTime.fromISO(today).minus({ days: 3 }).toISODate()!
    const unpaid = await BillingInvoice.query()
      .where('kind', 'invoice')
      .whereIn('status', ['issued', 'partially_paid'])
      .where('amount_due_paise', '>', 0)
      .where('issue_date', '<=', firstStep)
      .orderBy('issue_date')
      .orderBy('id')
    for (const invoice of unpaid) {
      report.invoices++
      const reached = dunningSteps(invoice).filter((step) => step.day <= today)
      if (reached.length === 0) continue
      const notices = await db
        .from('billing_invoice_notices')
        .where('invoice_id', invoice.id)
        .select('kind')
      const recorded = new Set(notices.map((row) => row.kind as NoticeKind))
      const gravest = reached.at(-1)!.kind
      const reachedKinds = reached.map((step) => step.kind)
      await db.transaction(async (trx) => {
        if (!recorded.has(gravest)) {
          const milder = reachedKinds.filter((kind) => kind !== gravest && !recorded.has(kind))
          if (await recordNotices(trx, invoice, gravest, milder)) report.notices[gravest]++
        }
        const suspend = reachedKinds.includes('suspended')
        const statuses = suspend ? ['active', 'trialing', 'past_due'] : ['active', 'trialing']
        if (!suspend && !reachedKinds.includes('past_due')) return
        const changed = await trx
          .from('organizations')
          .where('id', invoice.organizationId)
          .whereIn('billing_status', statuses)
          .update({
            billing_status: suspend ? 'suspended' : 'past_due',
            updated_at: dbTimestamp(trx),
          })
        if (Number(Array.isArray(changed) ? changed[0] : changed) > 0) {
          if (suspend) report.suspended++
          else report.pastDue++
          await RecordAudit.handle(
            {
              action: suspend ? 'billing.account_suspended' : 'billing.account_past_due',
              organizationId: invoice.organizationId,
              entityType: 'billing_invoice',
              entityId: invoice.id,
              severity: 'warning',
              metadata: { invoice_number: invoice.invoiceNumber, due_date: invoice.dueDate },
            },
            trx
          )
        }
      })
      orgChanged(invoice.organizationId)
    }
    return report
  }
}
