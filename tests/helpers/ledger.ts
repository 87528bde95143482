import { randomBytes } from 'node:crypto'
import db from '@adonisjs/lucid/services/db'
import { DateTime } from 'luxon'
import { v7 as uuidv7 } from 'uuid'
import { dbTimestamp } from '#core/services/database_time'
import type Organization from '#orgs/models/organization'
import type BillingOrder from '#billing/models/billing_order'
import CloseBillingPeriod from '#billing/actions/close_billing_period'
import { applyRazorpayPayment, applyRazorpayRefund } from '#billing/actions/apply_razorpay_entities'
import { billingMonthNamed } from '#billing/services/billing_periods'
import { billingProfile, issuedAt } from '#tests/helpers/billing'
import { givenOrg } from '#tests/helpers/given'
import { paymentEntity } from '#tests/helpers/razorpay'

/*
| An org's money history for the ledger's specs, written through the same
| actions as in production (the billing run, applying Razorpay's payments
| and refunds: a top-up's capture issues its receipt voucher, and the run
| pays invoices from it).
*/

const at = (iso: string) => DateTime.fromISO(iso, { zone: 'utc' })
const stamp = (iso: string) => dbTimestamp(db.connection(), at(iso))
const rzpId = (prefix: string) => `${prefix}_${randomBytes(7).toString('hex')}`

/** A month's tax invoice, issued at `when` by the billing run. */
export async function invoiceMonth(org: Organization, month: string, when: string) {
  const outcome = await CloseBillingPeriod.handle(org, billingMonthNamed(month)!, { now: at(when) })
  if (outcome.kind !== 'invoiced')
    throw new Error(`no invoice for ${month}: ${JSON.stringify(outcome)}`)
  return db.from('billing_invoices').where('id', outcome.invoiceId).first()
}

/** Our order for `amount` paise: for an invoice, or a top-up (no invoice). */
async function givenOrder(
  org: Organization,
  input: { invoiceId: string | null; amountPaise: number; when: string }
) {
  const id = uuidv7()
  const razorpayOrderId = rzpId('order')
  await db.table('billing_orders').insert({
    id,
    organization_id: org.id,
    invoice_id: input.invoiceId,
    purpose: input.invoiceId ? 'invoice' : 'top_up',
    razorpay_order_id: razorpayOrderId,
    receipt: id,
    amount_paise: input.amountPaise,
    currency: 'INR',
    status: 'created',
    created_at: stamp(input.when),
    updated_at: stamp(input.when),
  })
  return { id, razorpayOrderId, amountPaise: input.amountPaise } as BillingOrder
}

/** A payment of `amount` captured at `when` and applied as Razorpay's word is (crediting its invoice, if any). */
export async function paid(
  org: Organization,
  input: { invoiceId: string | null; amountPaise: number; when: string }
) {
  const order = await givenOrder(org, input)
  const entity = paymentEntity(order, 'captured')
  const applied = await db.transaction((trx) =>
    applyRazorpayPayment(trx, entity, { now: at(input.when) })
  )
  if (applied.kind !== 'applied') throw new Error(JSON.stringify(applied))
  return { paymentId: applied.paymentId, razorpayPaymentId: entity.id }
}

/** The receipt voucher the top-up's capture issued. */
async function voucherOf(paymentId: string) {
  const payment = await db.from('billing_payments').where('id', paymentId).first()
  const voucher = await db.from('billing_invoices').where('id', payment.receipt_voucher_id).first()
  return { id: voucher.id as string, number: voucher.invoice_number as string }
}

/**
 * A refund of a payment as `RefundPayment` stores it (its amount reserved
 * on the payment); `processed` applies Razorpay's word at `when`, which
 * issues its credit note.
 */
export async function refunded(
  org: Organization,
  input: {
    paymentId: string
    razorpayPaymentId: string
    amountPaise: number
    status: 'pending' | 'processed' | 'failed'
    when: string
  }
) {
  const id = uuidv7()
  const razorpayRefundId = rzpId('rfnd')
  await db.table('billing_refunds').insert({
    id,
    organization_id: org.id,
    payment_id: input.paymentId,
    razorpay_refund_id: razorpayRefundId,
    idempotency_key: rzpId('key'),
    amount_paise: input.amountPaise,
    status: input.status === 'failed' ? 'failed' : 'pending',
    credit_note_id: null,
    reason: 'Charged for a cancelled batch',
    error: null,
    created_by: null,
    created_at: stamp(input.when),
    updated_at: stamp(input.when),
  })
  if (input.status !== 'failed') {
    await db
      .from('billing_payments')
      .where('id', input.paymentId)
      .increment('amount_refunded_paise', input.amountPaise)
  }
  if (input.status === 'processed') {
    await db.transaction((trx) =>
      applyRazorpayRefund(
        trx,
        {
          id: razorpayRefundId,
          entity: 'refund',
          amount: input.amountPaise,
          currency: 'INR',
          payment_id: input.razorpayPaymentId,
          notes: { authentix_refund_id: id },
          receipt: null,
          created_at: at(input.when).toSeconds(),
          status: 'processed',
          speed_requested: 'optimum',
        },
        { now: at(input.when) }
      )
    )
  }
  return { id, razorpayRefundId }
}

/** A credit or debit staff made for the next invoices, before tax. */
export async function adjusted(
  org: Organization,
  input: { kind: 'credit' | 'debit'; amountPaise: number; reason: string; when: string }
) {
  const id = uuidv7()
  await db.table('billing_credits_debits').insert({
    id,
    organization_id: org.id,
    kind: input.kind,
    amount_paise: input.amountPaise,
    remaining_paise: input.amountPaise,
    reason: input.reason,
    created_by: null,
    created_at: stamp(input.when),
    updated_at: stamp(input.when),
  })
  return id
}

export interface ExpectedEntry {
  kind: string
  reference: string | null
  debit: number | null
  credit: number | null
  balance: number
}

/**
 * An org with a season of money: a staff credit, September's invoice
 * (taking the credit) paid in two parts, a top-up with its receipt voucher,
 * October's invoice paid from it, a refund of part of the second payment
 * with its credit note, a refund still pending and one that failed,
 * November's invoice paid from the rest of the advance and still part due.
 * Answers the entries expected, oldest first.
 */
export async function givenLedgerHistory(options: { name?: string } = {}) {
  const { org: created, owner } = await givenOrg({ name: options.name })
  const org = await billingProfile(created, {
    createdAt: '2025-04-01T10:00:00Z',
    state: 'Karnataka',
  })
  await db.from('organizations').where('id', org.id).update({ billing_status: 'active' })
  await org.refresh()

  await adjusted(org, {
    kind: 'credit',
    amountPaise: 10_000,
    reason: 'Launch promotion',
    when: '2026-09-20T10:00:00Z',
  })
  await issuedAt(org, '2026-09-12T08:00:00Z', 5)
  await issuedAt(org, '2026-10-12T08:00:00Z', 12)
  const september = await invoiceMonth(org, '2026-09', '2026-10-01T03:00:00Z')
  await org.refresh()
  const t1 = Number(september.total_paise)
  const first = await paid(org, {
    invoiceId: september.id,
    amountPaise: 20_000,
    when: '2026-10-05T06:00:00Z',
  })
  const second = await paid(org, {
    invoiceId: september.id,
    amountPaise: t1 - 20_000,
    when: '2026-10-10T06:00:00Z',
  })
  const topUp = await paid(org, {
    invoiceId: null,
    amountPaise: 100_000,
    when: '2026-10-15T06:00:00Z',
  })
  const voucher = await voucherOf(topUp.paymentId)
  // The run pays October's invoice from the advance, and November's from what is left of it.
  const october = await invoiceMonth(org, '2026-10', '2026-11-01T03:00:00Z')
  const t2 = Number(october.total_paise)
  const refund = await refunded(org, {
    ...second,
    amountPaise: 10_000,
    status: 'processed',
    when: '2026-11-05T09:00:00Z',
  })
  const creditNote = await db
    .from('billing_invoices')
    .where('organization_id', org.id)
    .where('kind', 'credit_note')
    .first()
  const pending = await refunded(org, {
    ...first,
    amountPaise: 5_000,
    status: 'pending',
    when: '2026-11-06T09:00:00Z',
  })
  await refunded(org, {
    ...first,
    amountPaise: 2_000,
    status: 'failed',
    when: '2026-11-07T09:00:00Z',
  })
  const november = await invoiceMonth(org, '2026-11', '2026-12-01T03:00:00Z')
  const t3 = Number(november.total_paise)

  const expected: ExpectedEntry[] = [
    { kind: 'adjustment_credit', reference: null, debit: null, credit: null, balance: 0 },
    { kind: 'invoice', reference: september.invoice_number, debit: t1, credit: null, balance: -t1 },
    {
      kind: 'payment',
      reference: first.razorpayPaymentId,
      debit: null,
      credit: 20_000,
      balance: 20_000 - t1,
    },
    {
      kind: 'payment',
      reference: second.razorpayPaymentId,
      debit: null,
      credit: t1 - 20_000,
      balance: 0,
    },
    {
      kind: 'top_up',
      reference: topUp.razorpayPaymentId,
      debit: null,
      credit: 100_000,
      balance: 100_000,
    },
    {
      kind: 'invoice',
      reference: october.invoice_number,
      debit: t2,
      credit: null,
      balance: 100_000 - t2,
    },
    {
      kind: 'refund',
      reference: refund.razorpayRefundId,
      debit: 10_000,
      credit: null,
      balance: 90_000 - t2,
    },
    {
      kind: 'credit_note',
      reference: creditNote.invoice_number,
      debit: null,
      credit: 10_000,
      balance: 100_000 - t2,
    },
    {
      kind: 'refund_pending',
      reference: pending.razorpayRefundId,
      debit: null,
      credit: null,
      balance: 100_000 - t2,
    },
    {
      kind: 'invoice',
      reference: november.invoice_number,
      debit: t3,
      credit: null,
      balance: 100_000 - t2 - t3,
    },
  ]
  return {
    org,
    owner,
    expected,
    invoices: { september, october, november },
    voucher,
    creditNote,
    totals: { t1, t2, t3 },
  }
}

/**
 * The balance the ledger must close on, from the documents' own figures:
 * prepaid advances not allocated nor refunded, plus overpayment (beyond an
 * invoice's total; all that was paid on a void one), less what open
 * invoices still have due.
 */
export async function balanceFromDocuments(org: Pick<Organization, 'id'>) {
  const sum = async (query: any, column: string) => {
    const row = await query.sum(`${column} as total`).first()
    return Number(row?.total ?? 0)
  }
  const topUps = await sum(
    db
      .from('billing_payments as p')
      .join('billing_orders as o', 'o.id', 'p.order_id')
      .where('p.organization_id', org.id)
      .whereNotNull('p.captured_at')
      .where('o.purpose', 'top_up'),
    'p.amount_paise'
  )
  const allocations = await sum(
    db.from('billing_advance_allocations').where('organization_id', org.id),
    'amount_paise'
  )
  const refundedOf = (purpose: 'top_up' | 'invoice') =>
    sum(
      db
        .from('billing_refunds as r')
        .join('billing_payments as p', 'p.id', 'r.payment_id')
        .join('billing_orders as o', 'o.id', 'p.order_id')
        .where('r.organization_id', org.id)
        .where('r.status', 'processed')
        .where('o.purpose', purpose),
      'r.amount_paise'
    )
  // Credit notes against invoices: a refund voucher (against a receipt voucher) reduces no charge.
  const creditNotes = await sum(
    db
      .from('billing_invoices as c')
      .leftJoin('billing_invoices as o', 'o.id', 'c.original_invoice_id')
      .where('c.organization_id', org.id)
      .where('c.kind', 'credit_note')
      .whereNot('c.status', 'void')
      .where((original) => original.whereNull('o.kind').orWhereNot('o.kind', 'receipt_voucher')),
    'c.total_paise'
  )
  const invoices = await db
    .from('billing_invoices')
    .where('organization_id', org.id)
    .where('kind', 'invoice')
  let overpaid = 0
  let due = 0
  for (const invoice of invoices) {
    const paidPaise = Number(invoice.amount_paid_paise)
    if (invoice.status === 'void') {
      overpaid += paidPaise
      continue
    }
    overpaid += Math.max(0, paidPaise - Number(invoice.total_paise))
    if (invoice.status === 'issued' || invoice.status === 'partially_paid') {
      due += Number(invoice.amount_due_paise)
    }
  }
  const advancesLeft = topUps - allocations - (await refundedOf('top_up'))
  // Money given back on invoices' payments, less the credit notes that documented it: nothing, normally.
  const givenBack = (await refundedOf('invoice')) - creditNotes
  return advancesLeft + overpaid - givenBack - due
}
