import type { QueryClientContract, TransactionClientContract } from '@adonisjs/lucid/types/database'
import { DateTime } from 'luxon'
import { v7 as uuidv7 } from 'uuid'
import { dbTimestamp } from '#core/services/database_time'

/*
| The prepaid balance: advances (top-ups, each documented by its receipt
| voucher) pay invoices before anything else does. What is left of an
| advance is its voucher's total less what it has paid
| (`billing_advance_allocations`) and what of its payment was refunded
| (`billing_payments.amount_refunded_paise`, pending refunds included, so
| money on its way back is never spent too). Nothing stores the remainder:
| it is summed under the vouchers' locks, so it cannot drift.
*/

export interface Advance {
  id: string
  organizationId: string
  number: string
  issueDate: string
  remainingPaise: number
}

/**
 * The advances of these orgs with something left, oldest first. Pass
 * `lock` inside a transaction that will spend them: on PostgreSQL their
 * voucher rows are locked first (FOR NO KEY UPDATE), so two spenders of
 * one org take turns; SQLite has one writer at a time.
 */
export async function advancesLeft(
  client: QueryClientContract,
  orgIds: string[],
  options: { lock?: boolean } = {}
): Promise<Advance[]> {
  if (orgIds.length === 0) return []
  if (options.lock && client.dialect.name === 'postgres') {
    const lock = client
      .from('billing_invoices')
      .whereIn('organization_id', orgIds)
      .where('kind', 'receipt_voucher')
      .orderBy('id')
      .select('id')
    lock.knexQuery.forNoKeyUpdate()
    await lock
  }
  const rows = await client
    .from('billing_invoices as v')
    .join('billing_payments as p', 'p.receipt_voucher_id', 'v.id')
    .whereIn('v.organization_id', orgIds)
    .where('v.kind', 'receipt_voucher')
    .select(
      'v.id',
      'v.organization_id',
      'v.invoice_number',
      'v.issue_date',
      'v.issued_at',
      'v.total_paise',
      'p.amount_refunded_paise'
    )
    .select(
      client.raw(
        '(SELECT COALESCE(SUM(a.amount_paise), 0) FROM billing_advance_allocations a WHERE a.receipt_voucher_id = v.id) AS allocated_paise'
      )
    )
    .orderBy('v.issued_at', 'asc')
    .orderBy('v.id', 'asc')
  return rows
    .map((row) => ({
      id: row.id as string,
      organizationId: row.organization_id as string,
      number: row.invoice_number as string,
      issueDate: row.issue_date as string,
      remainingPaise:
        Number(row.total_paise) - Number(row.allocated_paise) - Number(row.amount_refunded_paise),
    }))
    .filter((advance) => advance.remainingPaise > 0)
}

/** What an org has prepaid and not yet spent or had refunded. */
export async function prepaidBalancePaise(client: QueryClientContract, orgId: string) {
  const advances = await advancesLeft(client, [orgId])
  return advances.reduce((sum, advance) => sum + advance.remainingPaise, 0)
}

export interface AdvanceApplied {
  invoiceId: string
  organizationId: string
  paise: number
  /** The invoice is paid in full now. */
  settled: boolean
}

/**
 * Pays these orgs' open invoices from their advances, in the caller's
 * transaction: the oldest invoice first (by due date, then number), from
 * the oldest advance first, each allocation recorded once per advance and
 * invoice (a second pass adds to it). Called when an advance arrives (its
 * receipt voucher issued) and when the billing run has issued invoices, so
 * a prepaid balance is always spent before anything else is asked for.
 */
export async function applyAdvances(
  trx: TransactionClientContract,
  orgIds: string[],
  options: { now?: DateTime } = {}
): Promise<AdvanceApplied[]> {
  const advances = await advancesLeft(trx, orgIds, { lock: true })
  if (advances.length === 0) return []
  const withAdvances = [...new Set(advances.map((advance) => advance.organizationId))]
  const open = trx
    .from('billing_invoices')
    .whereIn('organization_id', withAdvances)
    .where('kind', 'invoice')
    .whereIn('status', ['issued', 'partially_paid'])
    .where('amount_due_paise', '>', 0)
    .orderBy('due_date', 'asc')
    .orderBy('invoice_number', 'asc')
    .select('id', 'organization_id', 'total_paise', 'amount_paid_paise', 'amount_due_paise')
  if (trx.dialect.name === 'postgres') open.knexQuery.forNoKeyUpdate()
  const invoices = await open
  if (invoices.length === 0) return []

  const stamp = dbTimestamp(trx, options.now ?? DateTime.utc())
  const applied: AdvanceApplied[] = []
  const allocations: { voucherId: string; invoiceId: string; orgId: string; paise: number }[] = []
  for (const invoice of invoices) {
    let due = Number(invoice.amount_due_paise)
    let paid = Number(invoice.amount_paid_paise)
    const before = paid
    for (const advance of advances) {
      if (due <= 0) break
      if (advance.organizationId !== invoice.organization_id || advance.remainingPaise <= 0)
        continue
      const paise = Math.min(due, advance.remainingPaise)
      advance.remainingPaise -= paise
      due -= paise
      paid += paise
      allocations.push({
        voucherId: advance.id,
        invoiceId: invoice.id,
        orgId: invoice.organization_id,
        paise,
      })
    }
    if (paid === before) continue
    const settled = due <= 0
    await trx
      .from('billing_invoices')
      .where('id', invoice.id)
      .update({
        amount_paid_paise: paid,
        amount_due_paise: Math.max(0, due),
        status: settled ? 'paid' : 'partially_paid',
        updated_at: stamp,
      })
    applied.push({
      invoiceId: invoice.id,
      organizationId: invoice.organization_id,
      paise: paid - before,
      settled,
    })
  }
  for (const allocation of allocations) {
    await trx.rawQuery(
      `INSERT INTO billing_advance_allocations (id, organization_id, receipt_voucher_id, invoice_id, amount_paise, created_at)
       VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (receipt_voucher_id, invoice_id)
       DO UPDATE SET amount_paise = billing_advance_allocations.amount_paise + excluded.amount_paise`,
      [
        uuidv7(),
        allocation.orgId,
        allocation.voucherId,
        allocation.invoiceId,
        allocation.paise,
        stamp,
      ]
    )
  }
  return applied
}

/** The advances that paid an invoice, for its PDF and its page. */
export async function advancesOfInvoice(client: QueryClientContract, invoiceId: string) {
  const advances = await advancesOfInvoices(client, [invoiceId])
  return advances.get(invoiceId) ?? []
}

/** The advances that paid each of these invoices (oldest first), in one query. */
export async function advancesOfInvoices(client: QueryClientContract, invoiceIds: string[]) {
  const paid = new Map<string, { number: string; issueDate: string; paise: number }[]>()
  if (invoiceIds.length === 0) return paid
  const rows = await client
    .from('billing_advance_allocations as a')
    .join('billing_invoices as v', 'v.id', 'a.receipt_voucher_id')
    .whereIn('a.invoice_id', invoiceIds)
    .orderBy('v.issued_at', 'asc')
    .orderBy('v.id', 'asc')
    .select('a.invoice_id', 'v.invoice_number', 'v.issue_date', 'a.amount_paise')
  for (const row of rows) {
    const list = paid.get(row.invoice_id) ?? []
    list.push({
      number: row.invoice_number as string,
      issueDate: row.issue_date as string,
      paise: Number(row.amount_paise),
    })
    paid.set(row.invoice_id, list)
  }
  return paid
}
