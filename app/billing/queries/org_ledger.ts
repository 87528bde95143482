import db from '@adonisjs/lucid/services/db'
import type { QueryClientContract } from '@adonisjs/lucid/types/database'
import { DateTime } from 'luxon'
import type Organization from '#orgs/models/organization'
import { formatMoney } from '#core/services/formatting'
import { rowsOf } from '#core/services/bulk_insert'
import { BILLING_ZONE } from '#billing/services/billing_periods'

/*
| An org's ledger: every movement of money between it and us, in time
| order, with the balance after each: money in (payments, top-ups, credit
| notes) less money owed (invoices) and given back (refunds). Positive is
| in the org's favour (prepaid or overpaid), negative is what it owes.
|
| It is read, never stored: each entry is a row of the table it comes from.
|
| - A tax invoice debits its total at its issue; a credit note credits its
|   total. A void one moves nothing (it is no longer owed; a payment made
|   against it stays a credit, for staff to refund) and is shown as void.
| - A captured payment credits its amount when captured: a payment of its
|   invoice, or a top-up when its order was one (its receipt voucher, a
|   `billing_invoices` row of its own kind, documents it and is not an entry
|   of its own: the money is the payment's).
| - A processed refund debits its amount (money given back); its credit
|   note credits the same, so a refund of an invoice's payment nets to
|   nothing. One of a top-up lowers the prepaid balance: its refund voucher
|   (a credit note against the receipt voucher) reduces no charge, so it is
|   shown moving nothing, as the receipt voucher is not an entry either. A pending
|   refund has moved no money yet: it is shown, moving nothing, until
|   Razorpay processes it (then it debits, dated then); a failed one never.
| - Staff's credits and debits are before tax and taken into the next
|   invoices as lines, so the invoice's total already moves the balance:
|   they are shown when made, moving nothing.
| - Advance allocations (how much of a top-up paid an invoice) move nothing
|   either (the invoice debited, the top-up credited): they are notes on
|   the invoice's entry.
|
| So the closing balance is what prepaid advances are left unallocated and
| unrefunded, plus any overpayment, less what open invoices still have due.
| The running balance is the database's (a window sum over the whole
| history, SQLite and PostgreSQL alike), so a page of the newest entries
| carries the right balances without reading the older ones.
*/

export type LedgerEntryKind =
  | 'invoice'
  | 'credit_note'
  | 'payment'
  | 'top_up'
  | 'refund'
  | 'refund_pending'
  | 'adjustment_credit'
  | 'adjustment_debit'

export interface LedgerEntry {
  /** The id of the row it comes from (invoice, payment, refund, adjustment). */
  id: string
  at: DateTime
  /** The calendar day in India (`YYYY-MM-DD`), the day its documents carry. */
  day: string
  kind: LedgerEntryKind
  description: string
  /** The document number or Razorpay id to quote. */
  reference: string | null
  /** The invoice, credit note or receipt voucher whose PDF documents it. */
  documentId: string | null
  /** What it speaks of; equal to its debit or credit when it moves the balance. */
  amountPaise: number
  /** False for what moves no money: staff adjustments, a pending refund, a void document. */
  movesBalance: boolean
  debitPaise: number | null
  creditPaise: number | null
  /** The balance after it: money in less money owed, positive in the org's favour. */
  balancePaise: number
  /** What else is known of it (an invoice paid from prepaid balance). */
  notes: string[]
}

export interface LedgerPage {
  entries: LedgerEntry[]
  total: number
  page: number
  perPage: number
  /** The balance after the newest entry. */
  closingBalancePaise: number
}

interface EntryRow {
  id: string
  at: string | Date
  kind: LedgerEntryKind
  delta: number | string
  moves: number | string
  amount: number | string
  reference: string | null
  related: string | null
  document_id: string | null
  reason: string | null
  voided: number | string
  /** A credit note's original: a refund of a top-up is credited against its receipt voucher. */
  related_kind: string | null
  balance: number | string
}

/**
 * Every entry's row: one SELECT per source, the same columns in each
 * (`delta` is its effect on the balance), ids as text so that ties in time
 * are broken the same way on both engines.
 */
function entriesSql() {
  return `
    SELECT CAST(i.id AS TEXT) AS id, i.issued_at AS at, i.kind AS kind,
      CASE WHEN i.status = 'void' OR o.kind = 'receipt_voucher' THEN 0
        WHEN i.kind = 'invoice' THEN -i.total_paise ELSE i.total_paise END AS delta,
      CASE WHEN i.status = 'void' OR o.kind = 'receipt_voucher' THEN 0 ELSE 1 END AS moves,
      i.total_paise AS amount, i.invoice_number AS reference, o.invoice_number AS related,
      CAST(i.id AS TEXT) AS document_id, CAST(NULL AS TEXT) AS reason,
      CASE WHEN i.status = 'void' THEN 1 ELSE 0 END AS voided, CAST(o.kind AS TEXT) AS related_kind
    FROM billing_invoices i
    LEFT JOIN billing_invoices o ON o.id = i.original_invoice_id
    WHERE i.organization_id = ? AND i.kind IN ('invoice', 'credit_note')
    UNION ALL
    SELECT CAST(p.id AS TEXT), p.captured_at,
      CASE WHEN p.receipt_voucher_id IS NOT NULL OR o.purpose = 'top_up' THEN 'top_up' ELSE 'payment' END,
      p.amount_paise, 1, p.amount_paise, p.razorpay_payment_id,
      CASE WHEN p.receipt_voucher_id IS NOT NULL THEN v.invoice_number ELSE i.invoice_number END,
      CAST(v.id AS TEXT), NULL, 0, NULL
    FROM billing_payments p
    JOIN billing_orders o ON o.id = p.order_id
    LEFT JOIN billing_invoices i ON i.id = o.invoice_id
    LEFT JOIN billing_invoices v ON v.id = p.receipt_voucher_id
    WHERE p.organization_id = ? AND p.captured_at IS NOT NULL
    UNION ALL
    SELECT CAST(r.id AS TEXT),
      CASE WHEN r.status = 'processed' THEN COALESCE(c.issued_at, r.updated_at) ELSE r.created_at END,
      CASE WHEN r.status = 'processed' THEN 'refund' ELSE 'refund_pending' END,
      CASE WHEN r.status = 'processed' THEN -r.amount_paise ELSE 0 END,
      CASE WHEN r.status = 'processed' THEN 1 ELSE 0 END,
      r.amount_paise, r.razorpay_refund_id, p.razorpay_payment_id, NULL, NULL, 0, NULL
    FROM billing_refunds r
    JOIN billing_payments p ON p.id = r.payment_id
    LEFT JOIN billing_invoices c ON c.id = r.credit_note_id
    WHERE r.organization_id = ? AND r.status IN ('processed', 'pending')
    UNION ALL
    SELECT CAST(a.id AS TEXT), a.created_at,
      CASE WHEN a.kind = 'credit' THEN 'adjustment_credit' ELSE 'adjustment_debit' END,
      0, 0, a.amount_paise, NULL, NULL, NULL, a.reason, 0, NULL
    FROM billing_credits_debits a
    WHERE a.organization_id = ?`
}

const SOURCES = 4

/** A timestamp read by a raw query (a Date on PostgreSQL, UTC text on SQLite). */
function instantOf(value: string | Date) {
  return value instanceof Date
    ? DateTime.fromJSDate(value, { zone: 'utc' })
    : DateTime.fromSQL(value, { zone: 'utc' })
}

function describe(row: EntryRow, amountPaise: number) {
  const amount = formatMoney(amountPaise)
  const voided = Number(row.voided) === 1 ? ' (void: nothing is owed on it)' : ''
  switch (row.kind) {
    case 'invoice':
      return `Tax invoice ${row.reference}${voided}`
    case 'credit_note':
      return row.related_kind === 'receipt_voucher'
        ? `Refund voucher ${row.reference} against receipt voucher ${row.related} (the refund below is the money)`
        : `Credit note ${row.reference}${row.related ? ` against invoice ${row.related}` : ''}${voided}`
    case 'payment':
      return row.related ? `Payment of invoice ${row.related}` : 'Payment'
    case 'top_up':
      return row.related
        ? `Top-up of prepaid balance, receipt voucher ${row.related}`
        : 'Top-up of prepaid balance (receipt voucher to follow)'
    case 'refund':
      return `Refund of payment ${row.related}`
    case 'refund_pending':
      return `Refund of ${amount} on payment ${row.related} asked for; not yet processed, so not counted`
    case 'adjustment_credit':
      return `Credit ${amount} before tax (${row.reason}), taken off the next invoices`
    case 'adjustment_debit':
      return `Debit ${amount} before tax (${row.reason}), added to the next invoice`
  }
}

function entryOf(row: EntryRow): LedgerEntry {
  const at = instantOf(row.at)
  const delta = Number(row.delta)
  const amountPaise = Number(row.amount)
  const movesBalance = Number(row.moves) === 1
  const debits = row.kind === 'invoice' || row.kind === 'refund'
  return {
    id: row.id,
    at,
    day: at.setZone(BILLING_ZONE).toISODate()!,
    kind: row.kind,
    description: describe(row, amountPaise),
    reference: row.reference,
    documentId: row.document_id,
    amountPaise,
    movesBalance,
    debitPaise: movesBalance && debits ? -delta : null,
    creditPaise: movesBalance && !debits ? delta : null,
    balancePaise: Number(row.balance),
    notes: [],
  }
}

/** "₹X paid from prepaid balance (receipt voucher …)" on the invoices among `entries`. */
async function noteAllocations(
  client: QueryClientContract,
  org: Pick<Organization, 'id'>,
  entries: LedgerEntry[]
) {
  const invoices = new Map(
    entries.filter((entry) => entry.kind === 'invoice').map((entry) => [entry.id, entry])
  )
  if (invoices.size === 0) return
  const allocations = await client
    .from('billing_advance_allocations as a')
    .join('billing_invoices as v', 'v.id', 'a.receipt_voucher_id')
    .where('a.organization_id', org.id)
    .whereIn('a.invoice_id', [...invoices.keys()])
    .orderBy('a.created_at')
    .orderBy('a.id')
    .select('a.invoice_id', 'a.amount_paise', 'v.invoice_number')
  for (const allocation of allocations) {
    invoices
      .get(String(allocation.invoice_id))
      ?.notes.push(
        `${formatMoney(Number(allocation.amount_paise))} paid from prepaid balance (receipt voucher ${allocation.invoice_number})`
      )
  }
}

/** An org's ledger, always through the org. */
export default class OrgLedger {
  /**
   * Entries `offset` onwards, newest first (`desc`, the API's and the page's
   * order) or oldest first (`asc`, a statement's), each with the balance
   * after it over the whole history.
   */
  static async entries(
    org: Pick<Organization, 'id'>,
    options: { order: 'asc' | 'desc'; limit: number; offset?: number },
    client: QueryClientContract = db.connection()
  ) {
    const direction = options.order === 'asc' ? 'ASC' : 'DESC'
    const rows = rowsOf<EntryRow>(
      await client.rawQuery(
        `SELECT e.*, SUM(e.delta) OVER (ORDER BY e.at, e.id ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
           AS balance
         FROM (${entriesSql()}) e
         ORDER BY e.at ${direction}, e.id ${direction}
         LIMIT ? OFFSET ?`,
        [...Array(SOURCES).fill(org.id), options.limit, options.offset ?? 0]
      )
    )
    const entries = rows.map(entryOf)
    await noteAllocations(client, org, entries)
    return entries
  }

  /** How many entries there are, and the balance after the last. */
  static async totals(
    org: Pick<Organization, 'id'>,
    client: QueryClientContract = db.connection()
  ) {
    const [row] = rowsOf<{ total: number | string; balance: number | string | null }>(
      await client.rawQuery(
        `SELECT COUNT(*) AS total, COALESCE(SUM(e.delta), 0) AS balance FROM (${entriesSql()}) e`,
        Array(SOURCES).fill(org.id)
      )
    )
    return { total: Number(row.total), balancePaise: Number(row.balance) }
  }

  /** The org's balance now: money in less money owed (the billing overview's). */
  static async balance(org: Pick<Organization, 'id'>, client?: QueryClientContract) {
    const { balancePaise } = await this.totals(org, client)
    return balancePaise
  }

  /** A page of the ledger, newest first (API.md's lists). */
  static async page(
    org: Pick<Organization, 'id'>,
    pagination: { page: number; perPage: number }
  ): Promise<LedgerPage> {
    const [totals, entries] = await Promise.all([
      this.totals(org),
      this.entries(org, {
        order: 'desc',
        limit: pagination.perPage,
        offset: (pagination.page - 1) * pagination.perPage,
      }),
    ])
    return {
      entries,
      total: totals.total,
      page: pagination.page,
      perPage: pagination.perPage,
      closingBalancePaise: totals.balancePaise,
    }
  }

  /** Every entry, oldest first, `batch` at a time (a statement's download). */
  static async *all(org: Pick<Organization, 'id'>, options: { batch?: number } = {}) {
    const batch = options.batch ?? 500
    for (let offset = 0; ; offset += batch) {
      const entries = await this.entries(org, { order: 'asc', limit: batch, offset })
      yield entries
      if (entries.length < batch) return
    }
  }
}
