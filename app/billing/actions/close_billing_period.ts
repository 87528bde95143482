import db from '@adonisjs/lucid/services/db'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import { DateTime } from 'luxon'
import { v7 as uuidv7 } from 'uuid'
import { Queue } from '#core/queue/queue'
import RecordAudit from '#core/actions/record_audit'
import { rowsOf } from '#core/services/bulk_insert'
import { dbTimestamp } from '#core/services/database_time'
import { GST_STATES } from '#core/services/gst_states'
import type Organization from '#orgs/models/organization'
import billing from '#config/billing'
import { BILLING_ZONE, type BillingMonth } from '#billing/services/billing_periods'
import { amountInWords, invoiceTotals } from '#billing/services/gst'
import { invoiceNumber } from '#billing/services/invoice_numbers'
import { nextInSeries } from '#billing/services/invoice_counters'
import { placeOfSupplyOf } from '#billing/services/place_of_supply'
import { periodCharges, type PeriodCharges } from '#billing/queries/period_charges'
import { ensureInvoiceCode } from '#billing/actions/ensure_invoice_code'
import { renderInvoice } from '#billing/services/invoice_queue'
import type { InvoiceParty } from '#billing/models/billing_invoice'

export type CloseOutcome =
  | { kind: 'invoiced'; invoiceId: string; invoiceNumber: string; totalPaise: number }
  /** Closed with nothing charged (a month inside the trial, a waived fee and no usage). */
  | { kind: 'nothing_to_invoice' }
  /** Another run (or an earlier one) closed it already: nothing was written. */
  | { kind: 'already_closed' }
  /** The month has not ended, the org did not exist yet, or it was deleted before it began. */
  | { kind: 'not_billable'; reason: string }

/**
 * Closes one org's ended month: its `billing_periods` row, and when
 * anything is charged, its tax invoice with its lines, numbered from the
 * org's gapless series, the credits and debits it used, the month's usage
 * events tied to the period, an audit row and the job that renders its PDF
 * (`billing.render_invoice`), all in one transaction.
 *
 * Idempotent: the period row is inserted first with `ON CONFLICT DO
 * NOTHING`, so a second run (at once, later, or after a crash that rolled
 * the first back) finds it and writes nothing; a run killed mid-way left
 * nothing, numbers included (the counter is part of the transaction).
 */
export default class CloseBillingPeriod {
  static async handle(
    org: Organization,
    month: BillingMonth,
    options: { now?: DateTime } = {}
  ): Promise<CloseOutcome> {
    const now = options.now ?? DateTime.utc()
    const unbillable = whyNotBillable(org, month, now)
    if (unbillable) return { kind: 'not_billable', reason: unbillable }

    // Given in a transaction of its own first: updating the org's row inside the one below would
    // wait on the key-share locks other closes of the same org hold (their period rows point at it).
    const code = org.invoiceCode ?? (await db.transaction((trx) => ensureInvoiceCode(trx, org)))

    const outcome = await db.transaction(async (trx) => {
      const stamp = dbTimestamp(trx, now)
      const periodId = uuidv7()
      const inserted = rowsOf<{ id: string }>(
        await trx.rawQuery(
          `INSERT INTO billing_periods (id, organization_id, period_start, period_end, status, created_at, updated_at)
           VALUES (?, ?, ?, ?, 'open', ?, ?)
           ON CONFLICT (organization_id, period_start) DO NOTHING RETURNING id`,
          [periodId, org.id, month.start, month.end, stamp, stamp]
        )
      )
      if (inserted.length === 0) return { kind: 'already_closed' } as const

      const charges = await periodCharges(org, month, trx, { lockAdjustments: true })
      await tieUsageEvents(trx, org, month, periodId)
      if (!charges.chargeable) {
        await trx
          .from('billing_periods')
          .where('id', periodId)
          .update({ status: 'closed', updated_at: stamp })
        return { kind: 'nothing_to_invoice' } as const
      }
      const invoice = await insertInvoice(trx, { org, month, periodId, charges, code, now })
      await trx
        .from('billing_periods')
        .where('id', periodId)
        .update({ status: 'invoiced', updated_at: stamp })
      for (const used of charges.adjustmentsUsed) {
        await trx.rawQuery(
          'UPDATE billing_credits_debits SET remaining_paise = remaining_paise - ?, updated_at = ? WHERE id = ?',
          [used.paise, stamp, used.id]
        )
      }
      await Queue.enqueue(
        trx,
        renderInvoice,
        { invoiceId: invoice.id },
        { organizationId: org.id, subjectId: invoice.id }
      )
      await RecordAudit.handle(
        {
          action: 'billing.invoice_issued',
          organizationId: org.id,
          entityType: 'billing_invoice',
          entityId: invoice.id,
          metadata: {
            invoice_number: invoice.number,
            period_start: month.start,
            total_paise: invoice.totalPaise,
          },
        },
        trx
      )
      return {
        kind: 'invoiced',
        invoiceId: invoice.id,
        invoiceNumber: invoice.number,
        totalPaise: invoice.totalPaise,
      } as const
    })
    if (outcome.kind === 'invoiced') Queue.notify()
    return outcome
  }
}

function whyNotBillable(org: Organization, month: BillingMonth, now: DateTime) {
  if (month.endsAt > now) return `${month.start.slice(0, 7)} has not ended`
  if (org.createdAt >= month.endsAt) return `the organization was created after ${month.end}`
  if (org.deletedAt && org.deletedAt < month.startsAt) {
    return `the organization was deleted before ${month.start}`
  }
  return null
}

/** The month's usage events belong to its period from now on. */
async function tieUsageEvents(
  trx: TransactionClientContract,
  org: Organization,
  month: BillingMonth,
  periodId: string
) {
  await trx
    .from('billing_usage_events')
    .where('organization_id', org.id)
    .where('occurred_at', '>=', dbTimestamp(trx, month.startsAt))
    .where('occurred_at', '<', dbTimestamp(trx, month.endsAt))
    .whereNull('period_id')
    .update({ period_id: periodId })
}

/** The org as the recipient of a tax invoice, as it stands now (kept with the invoice). */
export function recipientOf(org: Organization): InvoiceParty {
  const placeOfSupply = placeOfSupplyOf(org)
  const cityLine = [org.city, org.postalCode].filter(Boolean).join(' ')
  return {
    name: org.businessName || org.name,
    address_lines: [org.addressLine1, org.addressLine2, cityLine].filter((line): line is string =>
      Boolean(line && line.trim())
    ),
    state: placeOfSupply ? (GST_STATES[placeOfSupply] ?? org.state) : org.state,
    state_code: placeOfSupply,
    gstin: org.gstin || null,
    email: org.billingEmail ?? org.email,
  }
}

export function supplierParty(): InvoiceParty {
  return {
    name: billing.supplier.name,
    address_lines: billing.supplier.addressLines,
    state: GST_STATES[billing.supplier.stateCode] ?? null,
    state_code: billing.supplier.stateCode,
    gstin: billing.supplier.gstin,
    email: billing.supplier.email,
  }
}

async function insertInvoice(
  trx: TransactionClientContract,
  input: {
    org: Organization
    month: BillingMonth
    periodId: string
    charges: PeriodCharges
    code: string
    now: DateTime
  }
) {
  const { org, month, charges, now } = input
  const stamp = dbTimestamp(trx, now)
  const recipient = recipientOf(org)
  const intraState = recipient.state_code === billing.supplier.stateCode
  const totals = invoiceTotals(charges.lines, {
    rateBasisPoints: charges.lines[0].rateBasisPoints,
    intraState,
    roundOff: true,
  })
  const number = invoiceNumber(input.code, await nextInSeries(trx, org.id, 'invoice', stamp))
  const issueDate = now.setZone(BILLING_ZONE).toISODate()!
  const id = uuidv7()
  const paid = totals.totalPaise <= 0
  await trx.table('billing_invoices').insert({
    id,
    organization_id: org.id,
    period_id: input.periodId,
    kind: 'invoice',
    invoice_number: number,
    original_invoice_id: null,
    issue_date: issueDate,
    due_date: DateTime.fromISO(issueDate, { zone: BILLING_ZONE })
      .plus({ days: billing.paymentTermsDays })
      .toISODate(),
    period_start: month.start,
    period_end: month.end,
    status: paid ? 'paid' : 'issued',
    currency: 'INR',
    supplier: JSON.stringify(supplierParty()),
    recipient: JSON.stringify(recipient),
    place_of_supply: recipient.state_code,
    intra_state: intraState,
    sac: billing.sac,
    subtotal_paise: totals.taxablePaise,
    cgst_paise: totals.cgstPaise,
    sgst_paise: totals.sgstPaise,
    igst_paise: totals.igstPaise,
    round_off_paise: totals.roundOffPaise,
    total_paise: totals.totalPaise,
    amount_paid_paise: 0,
    amount_due_paise: Math.max(0, totals.totalPaise),
    amount_in_words: amountInWords(totals.totalPaise),
    pdf_file_id: null,
    issued_at: stamp,
    created_at: stamp,
    updated_at: stamp,
  })
  await trx.table('billing_invoice_items').multiInsert(
    totals.lines.map((line, index) => ({
      id: uuidv7(),
      invoice_id: id,
      position: index + 1,
      line_item_type: charges.lines[index].type,
      description: line.description.slice(0, 300),
      quantity: line.quantity,
      unit_price_paise: line.unitPaise,
      amount_paise: line.taxablePaise,
      gst_rate_basis_points: line.rateBasisPoints,
      cgst_paise: line.cgstPaise,
      sgst_paise: line.sgstPaise,
      igst_paise: line.igstPaise,
      total_paise: line.totalPaise,
      metadata: JSON.stringify(charges.lines[index].metadata),
      created_at: stamp,
      updated_at: stamp,
    }))
  )
  return { id, number, totalPaise: totals.totalPaise }
}
