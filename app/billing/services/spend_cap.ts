import type { QueryClientContract } from '@adonisjs/lucid/types/database'
import { DateTime } from 'luxon'
import { formatMoney } from '#core/services/formatting'
import type Organization from '#orgs/models/organization'
import { addIssuingCheck } from '#certificates/services/issuing_checks'
import { BILLING_ZONE, billingMonthOf } from '#billing/services/billing_periods'
import { invoiceTotals, lineTax } from '#billing/services/gst'
import { periodCharges } from '#billing/queries/period_charges'
import { pricesInForce } from '#billing/queries/prices_in_force'
import { suppliedWithinState } from '#billing/services/place_of_supply'

/** What this month's bill comes to so far (with GST, rounded as the invoice will be). */
export async function monthSpendPaise(
  org: Organization,
  client: QueryClientContract,
  now: DateTime = DateTime.utc()
) {
  const charges = await periodCharges(org, billingMonthOf(now), client)
  if (charges.lines.length === 0) return 0
  return invoiceTotals(charges.lines, {
    rateBasisPoints: charges.lines[0].rateBasisPoints,
    intraState: suppliedWithinState(org),
    roundOff: true,
  }).totalPaise
}

/**
 * An org with a blocking monthly spend cap may not issue a job that would
 * take this month's bill above it: what the month has cost so far plus
 * the job's billable certificates at today's fee with GST. Refused with
 * `E_SPEND_CAP` and both figures; a cap that only warns refuses nothing
 * (its alerts are mailed by `billing:usage-alerts`).
 */
export async function spendCapRefusal(
  org: Organization,
  counts: { certificates: number; billable: number },
  client: QueryClientContract
) {
  const cap = org.monthlySpendCapPaise
  if (cap === null || !org.spendCapBlocks || counts.billable === 0) return null
  const now = DateTime.utc()
  const prices = await pricesInForce(org, now.setZone(BILLING_ZONE).toISODate()!, client)
  const amount = counts.billable * prices.certificateFeePaise
  const tax = lineTax(amount, prices.gstRateBasisPoints, suppliedWithinState(org))
  const job = amount + tax.cgstPaise + tax.sgstPaise + tax.igstPaise
  const spent = await monthSpendPaise(org, client, now)
  if (spent + job <= cap) return null
  return {
    code: 'E_SPEND_CAP' as const,
    message: `These ${counts.billable.toLocaleString('en-IN')} billable certificates (${formatMoney(job)} with GST) would take this month’s bill from ${formatMoney(spent)} to ${formatMoney(spent + job)}, above ${org.name}’s monthly spend cap of ${formatMoney(cap)}. Raise the cap under Billing, or issue fewer.`,
  }
}

addIssuingCheck(spendCapRefusal)
