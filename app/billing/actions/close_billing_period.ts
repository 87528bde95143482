import db from '@adonisjs/lucid/services/db'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import { DateTime } from 'luxon'
import { v7 as uuidv7 } from 'uuid'
import { Queue } from '#core/queue/queue'
import RecordAudit from '#core/actions/record_audit'
import { type BulkColumn, bulkInsert, rowsOf } from '#core/services/bulk_insert'
import { dbTimestamp } from '#core/services/database_time'
import { GST_STATES } from '#core/services/gst_states'
import type Organization from '#orgs/models/organization'
import billing from '#config/billing'
import { BILLING_ZONE, type BillingMonth } from '#billing/services/billing_periods'
import { amountInWords, invoiceTotals } from '#billing/services/gst'
import { invoiceNumber } from '#billing/services/invoice_numbers'
import { placeOfSupplyOf } from '#billing/services/place_of_supply'
import { periodChargesMany, type PeriodCharges } from '#billing/queries/period_charges'
import { ensureInvoiceCodes } from '#billing/actions/ensure_invoice_code'
import { renderInvoices } from '#billing/services/invoice_queue'
import { applyAdvances } from '#billing/services/advances'
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
 * org's gapless series, the credits and debits it used, an audit row and
 * the job that renders its PDF (`billing.render_invoices`), all in one
 * transaction. The period's usage events are its org's within its dates
 * (index `(organization_id, occurred_at)`); they are not written again
 * (`period_id` stays null): tying a million events a month to their
 * periods was 40 of a 50-second run in the billing bench.
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
    const outcomes = await this.handleMany([org], month, options)
    return outcomes.get(org.id)!
  }

  /**
   * The same for many orgs in one transaction (the billing run's batches):
   * a few multi-row statements for all of them, so a run of 10,000 orgs is
   * a few hundred statements, not a few hundred thousand.
   */
  static async handleMany(
    orgs: Organization[],
    month: BillingMonth,
    options: { now?: DateTime } = {}
  ): Promise<Map<string, CloseOutcome>> {
    const now = options.now ?? DateTime.utc()
    const outcomes = new Map<string, CloseOutcome>()
    const billable: Organization[] = []
    for (const org of orgs) {
      const unbillable = whyNotBillable(org, month, now)
      if (unbillable) outcomes.set(org.id, { kind: 'not_billable', reason: unbillable })
      else billable.push(org)
    }
    if (billable.length === 0) return outcomes

    // Given in a transaction of their own first: updating an org's row inside the one below would
    // wait on the key-share locks other closes of the same org hold (their period rows point at it).
    const withoutCode = billable.filter((org) => !org.invoiceCode)
    if (withoutCode.length > 0) {
      await db.transaction((trx) => ensureInvoiceCodes(trx, withoutCode))
    }

    let invoiced = 0
    await db.transaction(async (trx) => {
      const stamp = dbTimestamp(trx, now)
      const periodIds = new Map(billable.map((org) => [org.id, uuidv7()]))
      const inserted = rowsOf<{ organization_id: string }>(
        await trx.rawQuery(
          `INSERT INTO billing_periods (id, organization_id, period_start, period_end, status, created_at, updated_at)
           VALUES ${billable.map(() => "(?, ?, ?, ?, 'open', ?, ?)").join(', ')}
           ON CONFLICT (organization_id, period_start) DO NOTHING RETURNING organization_id`,
          billable.flatMap((org) => [
            periodIds.get(org.id)!,
            org.id,
            month.start,
            month.end,
            stamp,
            stamp,
          ])
        )
      )
      const fresh = new Set(inserted.map((row) => row.organization_id))
      for (const org of billable) {
        if (!fresh.has(org.id)) outcomes.set(org.id, { kind: 'already_closed' })
      }
      const closing = billable.filter((org) => fresh.has(org.id))
      if (closing.length === 0) return

      const charges = await periodChargesMany(closing, month, trx, { lockAdjustments: true })
      const charged = closing.filter((org) => charges.get(org.id)!.chargeable)
      const empty = closing.filter((org) => !charges.get(org.id)!.chargeable)
      for (const org of empty) outcomes.set(org.id, { kind: 'nothing_to_invoice' })
      if (empty.length > 0) {
        await trx
          .from('billing_periods')
          .whereIn(
            'id',
            empty.map((org) => periodIds.get(org.id)!)
          )
          .update({ status: 'closed', updated_at: stamp })
      }
      if (charged.length === 0) return

      const numbers = await nextNumbers(trx, charged, stamp)
      const invoices = await insertInvoices(trx, {
        orgs: charged,
        month,
        periodIds,
        charges,
        numbers,
        now,
      })
      // A prepaid balance pays them first (and any older invoice still open).
      await applyAdvances(
        trx,
        charged.map((org) => org.id),
        { now }
      )
      await trx
        .from('billing_periods')
        .whereIn(
          'id',
          charged.map((org) => periodIds.get(org.id)!)
        )
        .update({ status: 'invoiced', updated_at: stamp })
      for (const org of charged) {
        for (const used of charges.get(org.id)!.adjustmentsUsed) {
          await trx.rawQuery(
            'UPDATE billing_credits_debits SET remaining_paise = remaining_paise - ?, updated_at = ? WHERE id = ?',
            [used.paise, stamp, used.id]
          )
        }
      }
      // The PDFs are drawn by jobs of up to RENDER_BATCH invoices, each job's drawing in parallel threads.
      const jobs = []
      for (let start = 0; start < invoices.length; start += RENDER_BATCH) {
        const batch = invoices.slice(start, start + RENDER_BATCH)
        jobs.push({
          payload: { invoiceIds: batch.map((invoice) => invoice.id) },
          organizationId: batch.length === 1 ? batch[0].organizationId : null,
          subjectId: batch.length === 1 ? batch[0].id : null,
        })
      }
      await Queue.enqueueMany(trx, renderInvoices, jobs)
      await RecordAudit.handleMany(
        invoices.map((invoice) => ({
          action: 'billing.invoice_issued',
          organizationId: invoice.organizationId,
          entityType: 'billing_invoice',
          entityId: invoice.id,
          metadata: {
            invoice_number: invoice.number,
            period_start: month.start,
            total_paise: invoice.totalPaise,
          },
        })),
        trx
      )
      for (const invoice of invoices) {
        outcomes.set(invoice.organizationId, {
          kind: 'invoiced',
          invoiceId: invoice.id,
          invoiceNumber: invoice.number,
          totalPaise: invoice.totalPaise,
        })
      }
      invoiced = invoices.length
    })
    if (invoiced > 0) Queue.notify()
    return outcomes
  }
}

/** Invoices per PDF job: a job draws them in parallel threads and stores them in one transaction. */
const RENDER_BATCH = 50

function whyNotBillable(org: Organization, month: BillingMonth, now: DateTime) {
  if (month.endsAt > now) return `${month.start.slice(0, 7)} has not ended`
  if (org.createdAt >= month.endsAt) return `the organization was created after ${month.end}`
  if (org.deletedAt && org.deletedAt < month.startsAt) {
    return `the organization was deleted before ${month.start}`
  }
  return null
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

/** Each org's next invoice number, from one multi-row upsert (gapless: it rolls back with the invoices). */
async function nextNumbers(trx: TransactionClientContract, orgs: Organization[], stamp: string) {
  const rows = rowsOf<{ organization_id: string; last_number: number | string }>(
    await trx.rawQuery(
      `INSERT INTO billing_invoice_counters (organization_id, series, last_number, updated_at)
       VALUES ${orgs.map(() => "(?, 'invoice', 1, ?)").join(', ')}
       ON CONFLICT (organization_id, series)
       DO UPDATE SET last_number = billing_invoice_counters.last_number + 1, updated_at = excluded.updated_at
       RETURNING organization_id, last_number`,
      orgs.flatMap((org) => [org.id, stamp])
    )
  )
  return new Map(
    rows.map((row) => [
      row.organization_id,
      invoiceNumber(
        orgs.find((org) => org.id === row.organization_id)!.invoiceCode!,
        Number(row.last_number)
      ),
    ])
  )
}

const INVOICE_COLUMNS: BulkColumn[] = [
  { name: 'id', pg: 'uuid' },
  { name: 'organization_id', pg: 'uuid' },
  { name: 'period_id', pg: 'uuid' },
  { name: 'kind', pg: 'text' },
  { name: 'invoice_number', pg: 'text' },
  { name: 'issue_date', pg: 'text' },
  { name: 'due_date', pg: 'text' },
  { name: 'period_start', pg: 'text' },
  { name: 'period_end', pg: 'text' },
  { name: 'status', pg: 'text' },
  { name: 'currency', pg: 'text' },
  { name: 'supplier', pg: 'json' },
  { name: 'recipient', pg: 'json' },
  { name: 'place_of_supply', pg: 'text' },
  { name: 'intra_state', pg: 'boolean' },
  { name: 'sac', pg: 'text' },
  { name: 'subtotal_paise', pg: 'bigint' },
  { name: 'cgst_paise', pg: 'bigint' },
  { name: 'sgst_paise', pg: 'bigint' },
  { name: 'igst_paise', pg: 'bigint' },
  { name: 'round_off_paise', pg: 'bigint' },
  { name: 'total_paise', pg: 'bigint' },
  { name: 'amount_paid_paise', pg: 'bigint' },
  { name: 'amount_due_paise', pg: 'bigint' },
  { name: 'amount_in_words', pg: 'text' },
  { name: 'issued_at', pg: 'timestamptz' },
  { name: 'created_at', pg: 'timestamptz' },
  { name: 'updated_at', pg: 'timestamptz' },
]

const ITEM_COLUMNS: BulkColumn[] = [
  { name: 'id', pg: 'uuid' },
  { name: 'invoice_id', pg: 'uuid' },
  { name: 'position', pg: 'int' },
  { name: 'line_item_type', pg: 'text' },
  { name: 'description', pg: 'text' },
  { name: 'quantity', pg: 'bigint' },
  { name: 'unit_price_paise', pg: 'bigint' },
  { name: 'amount_paise', pg: 'bigint' },
  { name: 'gst_rate_basis_points', pg: 'int' },
  { name: 'cgst_paise', pg: 'bigint' },
  { name: 'sgst_paise', pg: 'bigint' },
  { name: 'igst_paise', pg: 'bigint' },
  { name: 'total_paise', pg: 'bigint' },
  { name: 'metadata', pg: 'json' },
  { name: 'created_at', pg: 'timestamptz' },
  { name: 'updated_at', pg: 'timestamptz' },
]

async function insertInvoices(
  trx: TransactionClientContract,
  input: {
    orgs: Organization[]
    month: BillingMonth
    periodIds: Map<string, string>
    charges: Map<string, PeriodCharges>
    numbers: Map<string, string>
    now: DateTime
  }
) {
  const { month, now } = input
  const stamp = dbTimestamp(trx, now)
  const issueDate = now.setZone(BILLING_ZONE).toISODate()!
  const dueDate = DateTime.fromISO(issueDate, { zone: BILLING_ZONE })
    .plus({ days: billing.paymentTermsDays })
    .toISODate()
  const supplier = supplierParty()
  const invoices: { id: string; organizationId: string; number: string; totalPaise: number }[] = []
  const invoiceRows: Record<string, unknown>[] = []
  const itemRows: Record<string, unknown>[] = []
  for (const org of input.orgs) {
    const charges = input.charges.get(org.id)!
    const recipient = recipientOf(org)
    const intraState = recipient.state_code === billing.supplier.stateCode
    const totals = invoiceTotals(charges.lines, {
      rateBasisPoints: charges.lines[0].rateBasisPoints,
      intraState,
      roundOff: true,
    })
    const id = uuidv7()
    const number = input.numbers.get(org.id)!
    invoices.push({ id, organizationId: org.id, number, totalPaise: totals.totalPaise })
    invoiceRows.push({
      id,
      organization_id: org.id,
      period_id: input.periodIds.get(org.id)!,
      kind: 'invoice',
      invoice_number: number,
      issue_date: issueDate,
      due_date: dueDate,
      period_start: month.start,
      period_end: month.end,
      status: totals.totalPaise <= 0 ? 'paid' : 'issued',
      currency: 'INR',
      supplier,
      recipient,
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
      issued_at: stamp,
      created_at: stamp,
      updated_at: stamp,
    })
    totals.lines.forEach((line, index) => {
      itemRows.push({
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
        metadata: charges.lines[index].metadata,
        created_at: stamp,
        updated_at: stamp,
      })
    })
  }
  await bulkInsert(trx, 'billing_invoices', INVOICE_COLUMNS, invoiceRows)
  await bulkInsert(trx, 'billing_invoice_items', ITEM_COLUMNS, itemRows)
  return invoices
}
