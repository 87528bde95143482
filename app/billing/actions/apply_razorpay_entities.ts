import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import { DateTime } from 'luxon'
import { v7 as uuidv7 } from 'uuid'
import RecordAudit from '#core/actions/record_audit'
import { dbTimestamp } from '#core/services/database_time'
import { BILLING_ZONE } from '#billing/services/billing_periods'
import type {
  RazorpayOrder,
  RazorpayPayment,
  RazorpayRefund,
} from '#billing/services/razorpay_client'
import { ORDER_STATUS_RANK, type BillingOrderStatus } from '#billing/models/billing_order'
import { PAYMENT_STATUS_RANK, type BillingPaymentStatus } from '#billing/models/billing_payment'
import { issueCreditNote } from '#billing/actions/issue_credit_note'
import { issueReceiptVoucher } from '#billing/actions/issue_receipt_voucher'

/*
| What Razorpay tells us (a webhook's entities, a payment fetched after
| Checkout or by the reconciliation), applied to our rows in the caller's
| transaction. One code for every path, so a payment seen three ways is
| applied as if seen once:
|
| - idempotent and in any order: a status only moves forward (the ranks of
|   the models), so a `captured` payment never goes back to `authorized`,
|   `failed` after `captured` is ignored, a duplicate changes nothing;
| - a captured payment credits its invoice exactly once: `captured_at` is
|   set by a conditional update (`WHERE captured_at IS NULL`) in the same
|   transaction as the credit, so of two appliers at once only one finds the
|   row unset (PostgreSQL re-reads the row after the first commits; SQLite
|   runs one writer at a time);
| - on PostgreSQL rows are locked in one order, order → payment → refund
|   (FOR NO KEY UPDATE: rows that reference them hold key-share locks it
|   must not wait on), so the appliers of one order take their turns and
|   two of them never wait on each other in a circle.
*/

export type Applied =
  | {
      kind: 'applied'
      organizationId: string
      /** What changed, for the event's record ("payment pay_… captured; invoice credited"). */
      note: string
      changed: boolean
    }
  | { kind: 'ignored'; organizationId: string | null; reason: string }

export type PaymentApplied =
  | (Extract<Applied, { kind: 'applied' }> & {
      paymentId: string
      status: BillingPaymentStatus
      credited: boolean
      invoiceId: string | null
    })
  | Extract<Applied, { kind: 'ignored' }>

/** Razorpay's payment status as ours: `refunded` means it was captured (refunds are ours to count). */
const STATUS_OF: Record<RazorpayPayment['status'], BillingPaymentStatus | null> = {
  created: null,
  authorized: 'authorized',
  captured: 'captured',
  refunded: 'captured',
  failed: 'failed',
}

const isPostgres = (trx: TransactionClientContract) => trx.dialect.name === 'postgres'

async function lockedOrder(trx: TransactionClientContract, razorpayOrderId: string) {
  const query = trx.from('billing_orders').where('razorpay_order_id', razorpayOrderId)
  if (isPostgres(trx)) query.knexQuery.forNoKeyUpdate()
  return query.first()
}

/** A payment's row, locked on PostgreSQL (after its order's, before its refunds'). */
export async function lockedPayment(
  trx: TransactionClientContract,
  column: 'id' | 'razorpay_payment_id',
  value: string
) {
  const query = trx.from('billing_payments').where(column, value)
  if (isPostgres(trx)) query.knexQuery.forNoKeyUpdate()
  return query.first()
}

async function moveOrder(
  trx: TransactionClientContract,
  order: { id: string; status: BillingOrderStatus },
  next: BillingOrderStatus,
  stamp: string
) {
  if (ORDER_STATUS_RANK[next] <= ORDER_STATUS_RANK[order.status]) return false
  await trx.from('billing_orders').where('id', order.id).update({ status: next, updated_at: stamp })
  return true
}

const cut = (text: string | null | undefined, length: number) =>
  text === null || text === undefined ? null : String(text).slice(0, length)

/**
 * A payment of one of our orders, as Razorpay last described it. A payment
 * of an order that is not ours (another integration of the same account)
 * is ignored, and so is one still `created` (nothing has happened yet).
 */
export async function applyRazorpayPayment(
  trx: TransactionClientContract,
  payment: RazorpayPayment,
  options: { now?: DateTime } = {}
): Promise<PaymentApplied> {
  const now = options.now ?? DateTime.utc()
  const order = payment.order_id ? await lockedOrder(trx, payment.order_id) : null
  if (!order) {
    return {
      kind: 'ignored',
      organizationId: null,
      reason: `payment ${payment.id} is for ${payment.order_id ?? 'no order'}, not an order of ours`,
    }
  }
  const organizationId: string = order.organization_id
  const status = STATUS_OF[payment.status]
  if (!status) {
    return {
      kind: 'ignored',
      organizationId,
      reason: `payment ${payment.id} is still ${payment.status}`,
    }
  }
  const stamp = dbTimestamp(trx, now)
  const failure =
    status === 'failed'
      ? {
          error_code: cut(payment.error_code, 100),
          error_description: cut(payment.error_description, 500),
          error_reason: cut(payment.error_reason, 100),
        }
      : { error_code: null, error_description: null, error_reason: null }
  await trx.rawQuery(
    `INSERT INTO billing_payments (id, organization_id, order_id, razorpay_payment_id, amount_paise,
       amount_refunded_paise, currency, status, method, error_code, error_description, error_reason,
       captured_at, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, NULL, ?, ?)
     ON CONFLICT (razorpay_payment_id) DO NOTHING`,
    [
      uuidv7(),
      organizationId,
      order.id,
      payment.id,
      payment.amount,
      payment.currency,
      status,
      cut(payment.method, 40),
      failure.error_code,
      failure.error_description,
      failure.error_reason,
      stamp,
      stamp,
    ]
  )
  const row = await lockedPayment(trx, 'razorpay_payment_id', payment.id)
  let current: BillingPaymentStatus = row.status
  const notes: string[] = []
  if (PAYMENT_STATUS_RANK[status] > PAYMENT_STATUS_RANK[current]) {
    // Out of `failed` (a late authorization) its error no longer describes it.
    await trx
      .from('billing_payments')
      .where('id', row.id)
      .update({ status, ...failure, method: cut(payment.method, 40), updated_at: stamp })
    current = status
    notes.push(`payment ${payment.id} ${status}`)
  }

  let credited = false
  if (status === 'captured') {
    const claimed = await trx
      .from('billing_payments')
      .where('id', row.id)
      .whereNull('captured_at')
      .update({ captured_at: stamp, updated_at: stamp })
    if (Number(claimed) === 1) {
      await creditInvoice(trx, {
        organizationId,
        topUp: order.purpose === 'top_up',
        invoiceId: order.invoice_id,
        paymentId: row.id,
        razorpayPaymentId: payment.id,
        amountPaise: Number(row.amount_paise),
        now,
      })
      credited = true
      notes.push(
        order.purpose === 'top_up'
          ? 'receipt voucher issued'
          : order.invoice_id
            ? 'invoice credited'
            : 'no invoice to credit'
      )
    }
  }
  if (await moveOrder(trx, order, status === 'captured' ? 'paid' : 'attempted', stamp)) {
    notes.push(`order ${order.razorpay_order_id} ${status === 'captured' ? 'paid' : 'attempted'}`)
  }
  return {
    kind: 'applied',
    organizationId,
    note: notes.length > 0 ? notes.join('; ') : `payment ${payment.id} unchanged (${current})`,
    changed: notes.length > 0,
    paymentId: row.id,
    status: current,
    credited,
    invoiceId: order.invoice_id,
  }
}

/** An order as Razorpay describes it (`order.paid`): its status moves forward only. */
export async function applyRazorpayOrder(
  trx: TransactionClientContract,
  order: RazorpayOrder,
  options: { now?: DateTime } = {}
): Promise<Applied> {
  const row = await lockedOrder(trx, order.id)
  if (!row)
    return { kind: 'ignored', organizationId: null, reason: `${order.id} is not an order of ours` }
  const moved = await moveOrder(
    trx,
    row,
    order.status,
    dbTimestamp(trx, options.now ?? DateTime.utc())
  )
  return {
    kind: 'applied',
    organizationId: row.organization_id,
    note: moved
      ? `order ${order.id} ${order.status}`
      : `order ${order.id} unchanged (${row.status})`,
    changed: moved,
  }
}

/**
 * A captured payment's amount added to what its invoice has been paid, or
 * for a top-up its receipt voucher issued (the advance then pays what is
 * owed), in the transaction that set the payment's `captured_at`; and the
 * org, trialing, or past due or suspended with nothing else overdue, is
 * active.
 */
async function creditInvoice(
  trx: TransactionClientContract,
  input: {
    organizationId: string
    topUp: boolean
    invoiceId: string | null
    paymentId: string
    razorpayPaymentId: string
    amountPaise: number
    now: DateTime
  }
) {
  const stamp = dbTimestamp(trx, input.now)
  let invoiceNumber: string | null = null
  let receiptVoucherNumber: string | null = null
  if (input.topUp) {
    const voucher = await issueReceiptVoucher(trx, {
      organizationId: input.organizationId,
      paymentId: input.paymentId,
      razorpayPaymentId: input.razorpayPaymentId,
      amountPaise: input.amountPaise,
      now: input.now,
    })
    receiptVoucherNumber = voucher.number
  } else if (input.invoiceId) {
    const query = trx.from('billing_invoices').where('id', input.invoiceId)
    if (isPostgres(trx)) query.knexQuery.forNoKeyUpdate()
    const invoice = await query.first()
    const paid = Number(invoice.amount_paid_paise) + input.amountPaise
    const total = Number(invoice.total_paise)
    await trx
      .from('billing_invoices')
      .where('id', invoice.id)
      .update({
        amount_paid_paise: paid,
        amount_due_paise: Math.max(0, total - paid),
        // A void invoice stays void: the payment is recorded, and is for staff to refund.
        status: invoice.status === 'void' ? 'void' : paid >= total ? 'paid' : 'partially_paid',
        updated_at: stamp,
      })
    invoiceNumber = invoice.invoice_number
  }
  const activated = await activateOrg(trx, input.organizationId, input.now)
  await RecordAudit.handle(
    {
      action: 'billing.payment_captured',
      organizationId: input.organizationId,
      entityType: 'billing_payment',
      entityId: input.paymentId,
      metadata: {
        razorpay_payment_id: input.razorpayPaymentId,
        amount_paise: input.amountPaise,
        invoice_number: invoiceNumber,
        ...(receiptVoucherNumber ? { receipt_voucher_number: receiptVoucherNumber } : {}),
        ...(activated ? { billing_status: `${activated} → active` } : {}),
      },
    },
    trx
  )
}

/** Trialing, or past due or suspended with no other invoice overdue: active. Answers the status it left. */
async function activateOrg(trx: TransactionClientContract, organizationId: string, now: DateTime) {
  const org = await trx
    .from('organizations')
    .where('id', organizationId)
    .select('billing_status')
    .first()
  const from = org?.billing_status as string | undefined
  if (from !== 'trialing' && from !== 'past_due' && from !== 'suspended') return null
  if (from !== 'trialing') {
    const today = now.setZone(BILLING_ZONE).toISODate()!
    const overdue = await trx
      .from('billing_invoices')
      .where('organization_id', organizationId)
      .where('kind', 'invoice')
      .whereIn('status', ['issued', 'partially_paid'])
      .where('due_date', '<', today)
      .select('id')
      .first()
    if (overdue) return null
  }
  const changed = await trx
    .from('organizations')
    .where('id', organizationId)
    .where('billing_status', from)
    .update({ billing_status: 'active', updated_at: dbTimestamp(trx, now) })
  return Number(changed) === 1 ? from : null
}

/** Our refund a Razorpay refund answers: by its id, or (before we stored that id) by our id in its notes. */
async function lockedRefund(trx: TransactionClientContract, refund: RazorpayRefund) {
  const byId = trx.from('billing_refunds').where('razorpay_refund_id', refund.id)
  if (isPostgres(trx)) byId.knexQuery.forNoKeyUpdate()
  const found = await byId.first()
  if (found) return found
  const ours = Array.isArray(refund.notes) ? undefined : refund.notes?.authentix_refund_id
  if (typeof ours !== 'string' || !/^[0-9a-f-]{36}$/i.test(ours)) return null
  const byNote = trx.from('billing_refunds').where('id', ours).whereNull('razorpay_refund_id')
  if (isPostgres(trx)) byNote.knexQuery.forNoKeyUpdate()
  const row = await byNote.first()
  if (!row) return null
  await trx
    .from('billing_refunds')
    .where('id', row.id)
    .update({ razorpay_refund_id: refund.id, updated_at: dbTimestamp(trx) })
  return { ...row, razorpay_refund_id: refund.id }
}

/**
 * A refund of ours as Razorpay describes it. `pending` → `processed`
 * issues its credit note, `pending` → `failed` gives its amount back to
 * what may be refunded; each once (a conditional update on `pending`), and
 * nothing moves a refund out of `processed` or `failed`. A refund made
 * elsewhere (Razorpay's dashboard) is not ours: ignored.
 */
export async function applyRazorpayRefund(
  trx: TransactionClientContract,
  refund: RazorpayRefund,
  options: { now?: DateTime } = {}
): Promise<Applied> {
  const now = options.now ?? DateTime.utc()
  // Its payment before the refund, as every applier takes them.
  await lockedPayment(trx, 'razorpay_payment_id', refund.payment_id)
  const row = await lockedRefund(trx, refund)
  if (!row) {
    return {
      kind: 'ignored',
      organizationId: null,
      reason: `refund ${refund.id} of ${refund.payment_id} was not made through Authentix`,
    }
  }
  const organizationId: string = row.organization_id
  if (refund.status === 'pending' || row.status !== 'pending') {
    return {
      kind: 'applied',
      organizationId,
      note: `refund ${refund.id} unchanged (${row.status})`,
      changed: false,
    }
  }
  const stamp = dbTimestamp(trx, now)
  const moved = await trx
    .from('billing_refunds')
    .where('id', row.id)
    .where('status', 'pending')
    .update({
      status: refund.status,
      error: refund.status === 'failed' ? 'Razorpay reports that the refund failed.' : null,
      updated_at: stamp,
    })
  if (Number(moved) !== 1) {
    return {
      kind: 'applied',
      organizationId,
      note: `refund ${refund.id} unchanged`,
      changed: false,
    }
  }
  const payment = await lockedPayment(trx, 'id', row.payment_id)
  if (refund.status === 'failed') {
    await giveBackRefund(trx, payment, Number(row.amount_paise), stamp)
    return {
      kind: 'applied',
      organizationId,
      note: `refund ${refund.id} failed; amount given back`,
      changed: true,
    }
  }
  const order = await trx.from('billing_orders').where('id', payment.order_id).first()
  const creditNoteId = await issueCreditNote(trx, {
    organizationId,
    // A refunded advance is credited against its receipt voucher (the PDF calls it a refund voucher).
    invoiceId: order.invoice_id ?? payment.receipt_voucher_id,
    razorpayPaymentId: payment.razorpay_payment_id,
    refundId: row.id,
    amountPaise: Number(row.amount_paise),
    now,
  })
  if (creditNoteId) {
    await trx
      .from('billing_refunds')
      .where('id', row.id)
      .update({ credit_note_id: creditNoteId, updated_at: stamp })
  }
  return {
    kind: 'applied',
    organizationId,
    note: `refund ${refund.id} processed${creditNoteId ? '; credit note issued' : ''}`,
    changed: true,
  }
}

/** A failed refund's amount may be refunded again; the payment is `captured` again if it was `refunded`. */
export async function giveBackRefund(
  trx: TransactionClientContract,
  payment: { id: string; amount_paise: number | string; amount_refunded_paise: number | string },
  amountPaise: number,
  stamp: string
) {
  const refunded = Number(payment.amount_refunded_paise) - amountPaise
  await trx
    .from('billing_payments')
    .where('id', payment.id)
    .update({
      amount_refunded_paise: refunded,
      status: refunded >= Number(payment.amount_paise) ? 'refunded' : 'captured',
      updated_at: stamp,
    })
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** An entity of the envelope, when it has the fields applying reads. */
function entityOf<T>(payload: unknown, name: 'payment' | 'order' | 'refund'): T | null {
  if (!isObject(payload) || !isObject(payload[name])) return null
  const entity = (payload[name] as Record<string, unknown>).entity
  if (!isObject(entity) || typeof entity.id !== 'string' || typeof entity.status !== 'string') {
    return null
  }
  if ('amount' in entity && !Number.isSafeInteger(entity.amount)) return null
  return entity as T
}

export type EventApplied = Applied | { kind: 'malformed'; organizationId: null; reason: string }

/**
 * One webhook event's envelope applied: the payment events, `order.paid`
 * (its payment, then its order) and the refund events (their payment, then
 * the refund). Any other event is stored and ignored.
 */
export async function applyRazorpayEvent(
  trx: TransactionClientContract,
  envelope: unknown,
  options: { now?: DateTime } = {}
): Promise<EventApplied> {
  const event = isObject(envelope) ? envelope.event : undefined
  const payload = isObject(envelope) ? envelope.payload : undefined
  const malformed = (what: string): EventApplied => ({
    kind: 'malformed',
    organizationId: null,
    reason: `${String(event)} carries no usable ${what} entity`,
  })
  switch (event) {
    case 'payment.authorized':
    case 'payment.captured':
    case 'payment.failed': {
      const payment = entityOf<RazorpayPayment>(payload, 'payment')
      if (!payment) return malformed('payment')
      return applyRazorpayPayment(trx, payment, options)
    }
    case 'order.paid': {
      const payment = entityOf<RazorpayPayment>(payload, 'payment')
      const order = entityOf<RazorpayOrder>(payload, 'order')
      if (!payment || !order) return malformed(payment ? 'order' : 'payment')
      const applied = await applyRazorpayPayment(trx, payment, options)
      const ordered = await applyRazorpayOrder(trx, order, options)
      if (applied.kind === 'ignored') return ordered
      if (ordered.kind !== 'applied') return applied
      return {
        ...applied,
        note: `${applied.note}; ${ordered.note}`,
        changed: applied.changed || ordered.changed,
      }
    }
    case 'refund.created':
    case 'refund.processed':
    case 'refund.failed': {
      const refund = entityOf<RazorpayRefund>(payload, 'refund')
      if (!refund) return malformed('refund')
      const payment = entityOf<RazorpayPayment>(payload, 'payment')
      if (payment) await applyRazorpayPayment(trx, payment, options)
      return applyRazorpayRefund(trx, refund, options)
    }
    default:
      return {
        kind: 'ignored',
        organizationId: null,
        reason: `Authentix does not act on ${typeof event === 'string' ? event : 'an event without a name'}`,
      }
  }
}
