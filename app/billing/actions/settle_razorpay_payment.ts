import db from '@adonisjs/lucid/services/db'
import type { RazorpayPayment } from '#billing/services/razorpay_client'
import { razorpayClient } from '#billing/services/razorpay_account'
import { applyRazorpayPayment, type PaymentApplied } from '#billing/actions/apply_razorpay_entities'

export type SettleResult =
  | { kind: 'settled'; applied: PaymentApplied; payment: RazorpayPayment }
  /** Razorpay could not be asked (or refused to capture); nothing was lost: a later look settles it. */
  | { kind: 'unsettled'; message: string; payment: RazorpayPayment }

/**
 * A payment Razorpay just described to us (fetched after Checkout or by
 * the reconciliation), settled: still `authorized` (auto-capture off or
 * late), it is captured first, for its whole amount, if it is for an order
 * of ours; then applied exactly as its webhook would be, in a transaction
 * of its own.
 */
export async function settleRazorpayPayment(payment: RazorpayPayment): Promise<SettleResult> {
  let described = payment
  if (payment.status === 'authorized' && payment.order_id) {
    const ours = await db
      .from('billing_orders')
      .where('razorpay_order_id', payment.order_id)
      .select('id')
      .first()
    if (ours) {
      const captured = await razorpayClient().capturePayment(payment.id, {
        amount: payment.amount,
      })
      if (captured.ok) described = captured.value
      else {
        // Captured meanwhile (auto-capture, another settler): what it is now decides.
        const again = await razorpayClient().fetchPayment(payment.id)
        if (!again.ok) return { kind: 'unsettled', message: captured.message, payment }
        described = again.value
      }
    }
  }
  const applied = await db.transaction((trx) => applyRazorpayPayment(trx, described))
  return { kind: 'settled', applied, payment: described }
}
