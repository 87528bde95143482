import db from '@adonisjs/lucid/services/db'
import { DateTime } from 'luxon'
import { dbTimestamp } from '#core/services/database_time'
import Organization from '#orgs/models/organization'
import { billingMonthOf, type BillingMonth } from '#billing/services/billing_periods'
import { invoiceTotals } from '#billing/services/gst'
import { periodCharges } from '#billing/queries/period_charges'
import { recipientOf } from '#billing/actions/close_billing_period'
import CloseBillingPeriod, { type CloseOutcome } from '#billing/actions/close_billing_period'
import billing from '#config/billing'

export interface BillingRunReport {
  month: BillingMonth
  orgs: number
  invoiced: number
  nothingToInvoice: number
  alreadyClosed: number
  notBillable: number
  /** Of what this run invoiced (or would, in a dry run). */
  totalPaise: number
  outcomes: { slug: string; outcome: CloseOutcome | DryRunOutcome }[]
}

export type DryRunOutcome =
  | {
      kind: 'would_invoice'
      totalPaise: number
      lines: { description: string; quantity: number; unitPaise: number }[]
    }
  | { kind: 'would_close_empty' }

/** The month before `now`'s, in Kolkata: what the daily run closes by default. */
export function previousMonth(now: DateTime = DateTime.utc()) {
  return billingMonthOf(billingMonthOf(now).startsAt.minus({ days: 1 }))
}

const PAGE = 500

/**
 * `node ace billing:run`: closes one ended month for every org that existed
 * in it (or one org), in pages of orgs by id, `BILLING_RUN_BATCH` orgs per
 * `CloseBillingPeriod.handleMany` (one transaction).
 * Idempotent as each close is; orgs already closed cost one insert that
 * does nothing. A dry run prices what it would invoice and writes nothing.
 */
export default class RunBilling {
  static async handle(
    month: BillingMonth,
    options: { slug?: string; dryRun?: boolean; now?: DateTime; keepOutcomes?: boolean } = {}
  ): Promise<BillingRunReport> {
    const now = options.now ?? DateTime.utc()
    if (month.endsAt > now) throw new Error(`${month.start.slice(0, 7)} has not ended yet`)
    const report: BillingRunReport = {
      month,
      orgs: 0,
      invoiced: 0,
      nothingToInvoice: 0,
      alreadyClosed: 0,
      notBillable: 0,
      totalPaise: 0,
      outcomes: [],
    }
    let after: string | null = null
    while (true) {
      const query = Organization.query()
        .where('created_at', '<', dbTimestamp(db.connection(), month.endsAt))
        .where((alive) =>
          alive
            .whereNull('deleted_at')
            .orWhere('deleted_at', '>=', dbTimestamp(db.connection(), month.startsAt))
        )
        .orderBy('id')
        .limit(PAGE)
      if (options.slug) query.where('slug', options.slug)
      if (after) query.where('id', '>', after)
      const orgs = await query
      if (orgs.length === 0) break
      for (let start = 0; start < orgs.length; start += billing.runBatch) {
        const batch = orgs.slice(start, start + billing.runBatch)
        const closed = options.dryRun
          ? null
          : await CloseBillingPeriod.handleMany(batch, month, { now })
        for (const org of batch) {
          report.orgs++
          const outcome = closed ? closed.get(org.id)! : await dryRun(org, month)
          count(report, outcome)
          if (options.keepOutcomes !== false) report.outcomes.push({ slug: org.slug, outcome })
        }
      }
      after = orgs[orgs.length - 1].id
      if (orgs.length < PAGE) break
    }
    return report
  }
}

function count(report: BillingRunReport, outcome: CloseOutcome | DryRunOutcome) {
  switch (outcome.kind) {
    case 'invoiced':
    case 'would_invoice':
      report.invoiced++
      report.totalPaise += outcome.totalPaise
      return
    case 'nothing_to_invoice':
    case 'would_close_empty':
      report.nothingToInvoice++
      return
    case 'already_closed':
      report.alreadyClosed++
      return
    case 'not_billable':
      report.notBillable++
  }
}

async function dryRun(
  org: Organization,
  month: BillingMonth
): Promise<CloseOutcome | DryRunOutcome> {
  const closed = await db
    .from('billing_periods')
    .where('organization_id', org.id)
    .where('period_start', month.start)
    .first()
  if (closed) return { kind: 'already_closed' }
  const charges = await periodCharges(org, month, db.connection())
  if (!charges.chargeable) return { kind: 'would_close_empty' }
  const totals = invoiceTotals(charges.lines, {
    rateBasisPoints: charges.lines[0].rateBasisPoints,
    intraState: recipientOf(org).state_code === billing.supplier.stateCode,
    roundOff: true,
  })
  return {
    kind: 'would_invoice',
    totalPaise: totals.totalPaise,
    lines: charges.lines.map((line) => ({
      description: line.description,
      quantity: line.quantity,
      unitPaise: line.unitPaise,
    })),
  }
}
