import type { QueryClientContract } from '@adonisjs/lucid/types/database'
import { DateTime } from 'luxon'
import { formatDate, formatMoney } from '#core/services/formatting'
import type Organization from '#orgs/models/organization'
import { addIssuingCheck } from '#certificates/services/issuing_checks'
import billing from '#config/billing'
import { BILLING_ZONE } from '#billing/services/billing_periods'

/**
 * An account past due beyond the grace period may not issue
 * (`E_BILLING_PAST_DUE`), even before the daily dunning run has suspended
 * it (whatever its status says): an unpaid invoice whose due date is more
 * than `BILLING_GRACE_DAYS` behind. Paying it restores issuing at once.
 */
export async function pastDueRefusal(
  org: Organization,
  _counts: { certificates: number; billable: number },
  client: QueryClientContract
) {
  const today = DateTime.utc().setZone(BILLING_ZONE)
  const overdueSince = today.minus({ days: billing.graceDays }).toISODate()!
  const invoice = await client
    .from('billing_invoices')
    .where('organization_id', org.id)
    .where('kind', 'invoice')
    .whereIn('status', ['issued', 'partially_paid'])
    .where('amount_due_paise', '>', 0)
    .where('due_date', '<', overdueSince)
    .orderBy('due_date', 'asc')
    .first()
  if (!invoice) return null
  return {
    code: 'E_BILLING_PAST_DUE' as const,
    message: `Invoice ${invoice.invoice_number} (${formatMoney(Number(invoice.amount_due_paise))} due) was due on ${formatDate(invoice.due_date, { long: true })} and is more than ${billing.graceDays} days overdue, so ${org.name} cannot issue new certificates until it is paid under Billing. Certificates already issued still verify, download and deliver.`,
  }
}

addIssuingCheck(pastDueRefusal)
