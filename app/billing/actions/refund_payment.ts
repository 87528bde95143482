import db from '@adonisjs/lucid/services/db'
import { DateTime } from 'luxon'
import { v7 as uuidv7 } from 'uuid'
import razorpay from '#config/razorpay'
import { dbTimestamp } from '#core/services/database_time'
import { formatMoney } from '#core/services/formatting'
import { auditInOrg, type OrgActing } from '#orgs/actions/org_audit'
import { recordId } from '#orgs/queries/record_id'
import BillingRefund from '#billing/models/billing_refund'
import type { RazorpayResult, RazorpayRefund } from '#billing/services/razorpay_client'
import { razorpayClient } from '#billing/services/razorpay_account'
import { advancesLeft } from '#billing/services/advances'
import {
  applyRazorpayRefund,
  giveBackRefund,
  lockedPayment,
} from '#billing/actions/apply_razorpay_entities'

/** Razorpay refunds ₹1 and more. */
export const MINIMUM_REFUND_PAISE = 100
const IDEMPOTENCY_KEY = /^[A-Za-z0-9_-]{10,64}$/

export type RefundPaymentResult =
  /** Razorpay has it (pending, perhaps processed already); its credit note comes once processed. */
  | { kind: 'requested'; refund: BillingRefund; repeated: boolean }
  | { kind: 'not_found' }
  | { kind: 'not_configured' }
  | { kind: 'invalid_key'; message: string }
  | { kind: 'invalid_amount'; message: string }
  | { kind: 'not_captured'; message: string }
  | { kind: 'exceeds_refundable'; refundablePaise: number; message: string }
  /** The key was used for another refund (another payment or amount). */
  | { kind: 'key_reused'; message: string }
  /** Razorpay refused it: nothing was refunded, the amount may be refunded again (with a new key). */
  | { kind: 'refused'; refund: BillingRefund; message: string }
  /** Razorpay's answer was lost or it was busy: kept pending; the same key (or the reconciliation) finishes it. */
  | { kind: 'in_doubt'; refund: BillingRefund; message: string }

/** What is sent for a refund, identical on every retry: Razorpay answers the same key and body with the same refund. */
export function refundRequestOf(refund: { id: string; amountPaise: number }) {
  return { amount: refund.amountPaise, notes: { authentix_refund_id: refund.id } }
}

const isUniqueViolation = (error: unknown) => {
  const code = (error as { code?: string } | null)?.code
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE'
}

/**
 * Money back on a captured payment (staff's; their page comes later): all
 * that is left to refund, or part of it, never more than was captured less
 * what was already refunded, checked and reserved under a lock on the
 * payment, then asked of Razorpay under the caller's idempotency key
 * (`X-Refund-Idempotency`). The same key again answers the same refund (and
 * finishes one whose answer was lost); it cannot refund twice. The credit
 * note is issued once Razorpay reports the refund processed.
 */
export default class RefundPayment {
  static async handle(
    input: OrgActing & {
      paymentId: unknown
      /** Paise; none refunds whatever is left. */
      amountPaise?: number
      reason: string
      idempotencyKey: string
      now?: DateTime
    }
  ): Promise<RefundPaymentResult> {
    if (!razorpay.configured) return { kind: 'not_configured' }
    if (!IDEMPOTENCY_KEY.test(input.idempotencyKey)) {
      return {
        kind: 'invalid_key',
        message: 'An idempotency key is 10 to 64 letters, digits, - or _.',
      }
    }
    if (
      input.amountPaise !== undefined &&
      (!Number.isSafeInteger(input.amountPaise) || input.amountPaise < MINIMUM_REFUND_PAISE)
    ) {
      return {
        kind: 'invalid_amount',
        message: `A refund is a whole number of paise, at least ${formatMoney(MINIMUM_REFUND_PAISE)}; not ${input.amountPaise}.`,
      }
    }
    const paymentId = recordId(input.paymentId)
    const earlier = await RefundPayment.byKey(input, paymentId)
    if (earlier) return earlier

    let reserved: { refund: BillingRefund; razorpayPaymentId: string } | RefundPaymentResult
    try {
      reserved = await RefundPayment.reserve(input, paymentId)
    } catch (error) {
      // The same key at the same moment: the other request made the refund.
      if (!isUniqueViolation(error)) throw error
      const other = await RefundPayment.byKey(input, paymentId)
      if (!other) throw error
      return other
    }
    if ('kind' in reserved) return reserved
    return RefundPayment.send(reserved.refund, reserved.razorpayPaymentId, false)
  }

  /** An earlier request with this key: its refund, finished if its answer was lost; or why the key cannot be used. */
  private static async byKey(
    input: OrgActing & { amountPaise?: number; idempotencyKey: string },
    paymentId: string
  ): Promise<RefundPaymentResult | null> {
    const refund = await BillingRefund.findBy('idempotency_key', input.idempotencyKey)
    if (!refund) return null
    if (
      refund.organizationId !== input.org.id ||
      refund.paymentId !== paymentId ||
      (input.amountPaise !== undefined && input.amountPaise !== refund.amountPaise)
    ) {
      return {
        kind: 'key_reused',
        message: `The idempotency key ${input.idempotencyKey} was used for another refund (${formatMoney(refund.amountPaise)}); a new refund needs a new key.`,
      }
    }
    if (refund.razorpayRefundId || refund.status !== 'pending') {
      return { kind: 'requested', refund, repeated: true }
    }
    const payment = await db
      .from('billing_payments')
      .where('id', refund.paymentId)
      .select('razorpay_payment_id')
      .first()
    return RefundPayment.send(refund, payment.razorpay_payment_id, true)
  }

  /** The amount checked against what is left and reserved on the payment, under its lock, with the refund's row. */
  private static async reserve(
    input: OrgActing & {
      amountPaise?: number
      reason: string
      idempotencyKey: string
      now?: DateTime
    },
    paymentId: string
  ) {
    return db.transaction(async (trx) => {
      const query = trx
        .from('billing_payments')
        .where('organization_id', input.org.id)
        .where('id', paymentId)
      if (trx.dialect.name === 'postgres') query.knexQuery.forNoKeyUpdate()
      const payment = await query.first()
      if (!payment) return { kind: 'not_found' } as const
      if (payment.status !== 'captured' && payment.status !== 'refunded') {
        return {
          kind: 'not_captured',
          message: `Payment ${payment.razorpay_payment_id} is ${payment.status}, not captured: there is nothing to refund.`,
        } as const
      }
      let refundable = Number(payment.amount_paise) - Number(payment.amount_refunded_paise)
      let spent = ''
      if (payment.receipt_voucher_id) {
        // A top-up: only what of its advance has not paid an invoice yet.
        const left = await advancesLeft(trx, [input.org.id], { lock: true })
        const advance = left.find((each) => each.id === payment.receipt_voucher_id)
        const unspent = advance?.remainingPaise ?? 0
        if (unspent < refundable) {
          refundable = unspent
          spent = ` The rest of this top-up has paid invoices already.`
        }
      }
      const amount = input.amountPaise ?? refundable
      if (amount > refundable || refundable < MINIMUM_REFUND_PAISE) {
        return {
          kind: 'exceeds_refundable',
          refundablePaise: refundable,
          message:
            refundable <= 0
              ? `Payment ${payment.razorpay_payment_id} has ${spent ? 'paid invoices or been refunded' : 'been refunded'} in full already.`
              : `Only ${formatMoney(refundable)} of payment ${payment.razorpay_payment_id} is left to refund (${formatMoney(Number(payment.amount_paise))} captured, ${formatMoney(Number(payment.amount_refunded_paise))} refunded or on its way); ${formatMoney(amount)} is more.${spent}`,
        } as const
      }
      const stamp = dbTimestamp(trx, input.now ?? DateTime.utc())
      const refund = await BillingRefund.create(
        {
          id: uuidv7(),
          organizationId: input.org.id,
          paymentId,
          razorpayRefundId: null,
          idempotencyKey: input.idempotencyKey,
          amountPaise: amount,
          status: 'pending',
          creditNoteId: null,
          reason: input.reason.slice(0, 500),
          error: null,
          createdBy: input.actorUserId,
        },
        { client: trx }
      )
      const refunded = Number(payment.amount_refunded_paise) + amount
      await trx
        .from('billing_payments')
        .where('id', paymentId)
        .update({
          amount_refunded_paise: refunded,
          status: refunded >= Number(payment.amount_paise) ? 'refunded' : 'captured',
          updated_at: stamp,
        })
      await auditInOrg(
        trx,
        input,
        'billing.refund_requested',
        { type: 'billing_refund', id: refund.id },
        {
          razorpay_payment_id: payment.razorpay_payment_id,
          amount_paise: amount,
          reason: refund.reason,
        }
      )
      return { refund, razorpayPaymentId: payment.razorpay_payment_id as string }
    })
  }

  /** Asks Razorpay (again, with the same key and body) and records its answer. */
  static async send(
    refund: BillingRefund,
    razorpayPaymentId: string,
    repeated: boolean
  ): Promise<RefundPaymentResult> {
    const answer: RazorpayResult<RazorpayRefund> = await razorpayClient().refundPayment(
      razorpayPaymentId,
      refundRequestOf(refund),
      refund.idempotencyKey
    )
    if (answer.ok) {
      await db.transaction(async (trx) => {
        await lockedPayment(trx, 'id', refund.paymentId)
        await trx
          .from('billing_refunds')
          .where('id', refund.id)
          .whereNull('razorpay_refund_id')
          .update({ razorpay_refund_id: answer.value.id, updated_at: dbTimestamp(trx) })
        await applyRazorpayRefund(trx, answer.value)
      })
      await refund.refresh()
      return { kind: 'requested', refund, repeated }
    }
    const inDoubt =
      answer.kind === 'unreachable' ||
      answer.kind === 'server_error' ||
      (answer.kind === 'rejected' && answer.httpStatus === 409)
    if (inDoubt) return { kind: 'in_doubt', refund, message: answer.message }
    await db.transaction(async (trx) => {
      const payment = await lockedPayment(trx, 'id', refund.paymentId)
      const failed = await trx
        .from('billing_refunds')
        .where('id', refund.id)
        .where('status', 'pending')
        .update({
          status: 'failed',
          error: answer.message.slice(0, 500),
          updated_at: dbTimestamp(trx),
        })
      if (Number(failed) !== 1) return
      await giveBackRefund(trx, payment, refund.amountPaise, dbTimestamp(trx))
    })
    await refund.refresh()
    return { kind: 'refused', refund, message: answer.message }
  }
}
