import db from '@adonisjs/lucid/services/db'
import { DateTime } from 'luxon'
import razorpay from '#config/razorpay'
import { Queue } from '#core/queue/queue'
import { dbTimestamp } from '#core/services/database_time'
import BillingRefund from '#billing/models/billing_refund'
import { razorpayClient } from '#billing/services/razorpay_account'
import { applyRazorpayRefund } from '#billing/actions/apply_razorpay_entities'
import { settleRazorpayPayment } from '#billing/actions/settle_razorpay_payment'
import RefundPayment from '#billing/actions/refund_payment'

export interface ReconcileReport {
  configured: boolean
  /** Orders, authorized payments and pending refunds asked after. */
  checked: number
  /** Of what Razorpay answered, what changed something of ours. */
  settled: number
  /** Why some could not be asked after (Razorpay unreachable, refused). */
  problems: string[]
}

/** A refund sent without an answer is asked again (same key, same body) once this old. */
const UNANSWERED_REFUND_MS = 60_000

/**
 * What Razorpay knows that we may have missed (a webhook lost, a payer who
 * closed the tab), settled with the code the webhooks use: the payments of
 * every order not yet paid and at most `RAZORPAY_RECONCILE_DAYS` old,
 * payments still only authorized (captured now), pending refunds (their
 * outcome, or, when their answer was lost, the same request again under
 * the same key). Run hourly by `billing:reconcile`; safe to run twice at once.
 */
export default class ReconcileRazorpay {
  static async handle(options: { now?: DateTime } = {}): Promise<ReconcileReport> {
    const report: ReconcileReport = {
      configured: razorpay.configured,
      checked: 0,
      settled: 0,
      problems: [],
    }
    if (!razorpay.configured) return report
    const now = options.now ?? DateTime.utc()
    const client = razorpayClient()
    const since = dbTimestamp(db.connection(), now.minus({ days: razorpay.reconcileDays }))

    const orders = await db
      .from('billing_orders')
      .whereIn('status', ['created', 'attempted'])
      .where('created_at', '>', since)
      .orderBy('created_at')
      .select('razorpay_order_id')
    for (const order of orders) {
      report.checked++
      const payments = await client.fetchOrderPayments(order.razorpay_order_id)
      if (!payments.ok) {
        report.problems.push(payments.message)
        continue
      }
      // Oldest first, as they happened.
      for (const payment of [...payments.value].reverse()) {
        await ReconcileRazorpay.attempt(report, () => ReconcileRazorpay.settle(report, payment))
      }
    }

    const authorized = await db
      .from('billing_payments')
      .where('status', 'authorized')
      .orderBy('created_at')
      .select('razorpay_payment_id')
    for (const { razorpay_payment_id: id } of authorized) {
      report.checked++
      const payment = await client.fetchPayment(id)
      if (!payment.ok) report.problems.push(payment.message)
      else {
        const described = payment.value
        await ReconcileRazorpay.attempt(report, () => ReconcileRazorpay.settle(report, described))
      }
    }

    const pending = await BillingRefund.query().where('status', 'pending').orderBy('created_at')
    for (const refund of pending) {
      report.checked++
      if (refund.razorpayRefundId) {
        const answer = await client.fetchRefund(refund.razorpayRefundId)
        if (!answer.ok) {
          report.problems.push(answer.message)
          continue
        }
        await ReconcileRazorpay.attempt(report, async () => {
          const applied = await db.transaction((trx) => applyRazorpayRefund(trx, answer.value))
          if (applied.kind === 'applied' && applied.changed) report.settled++
        })
      } else if (now.diff(refund.createdAt).toMillis() >= UNANSWERED_REFUND_MS) {
        const payment = await db
          .from('billing_payments')
          .where('id', refund.paymentId)
          .select('razorpay_payment_id')
          .first()
        await ReconcileRazorpay.attempt(report, async () => {
          const sent = await RefundPayment.send(refund, payment.razorpay_payment_id, true)
          if (sent.kind === 'in_doubt') report.problems.push(sent.message)
          else report.settled++
        })
      }
    }
    if (report.settled > 0) Queue.notify()
    return report
  }

  /** One item's work: a failure (a deadlock's victim, say) is reported and the run goes on. */
  private static async attempt(report: ReconcileReport, work: () => Promise<void>) {
    try {
      await work()
    } catch (error) {
      report.problems.push(error instanceof Error ? error.message : String(error))
    }
  }

  private static async settle(
    report: ReconcileReport,
    payment: Parameters<typeof settleRazorpayPayment>[0]
  ) {
    const settled = await settleRazorpayPayment(payment)
    if (settled.kind === 'unsettled') report.problems.push(settled.message)
    else if (settled.applied.kind === 'applied' && settled.applied.changed) report.settled++
  }
}
