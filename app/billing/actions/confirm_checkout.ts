import db from '@adonisjs/lucid/services/db'
import razorpay from '#config/razorpay'
import { recordId } from '#orgs/queries/record_id'
import BillingOrder from '#billing/models/billing_order'
import BillingInvoice from '#billing/models/billing_invoice'
import { checkoutSignatureValid } from '#billing/services/razorpay_signatures'
import { razorpayClient } from '#billing/services/razorpay_account'
import { settleRazorpayPayment } from '#billing/actions/settle_razorpay_payment'

/** What Checkout hands back to its callback: a payment and its signature, or Razorpay's error. */
export interface CheckoutReturn {
  /** Ours, from the callback URL we gave Checkout. */
  orderId?: string | null
  razorpayOrderId?: string | null
  razorpayPaymentId?: string | null
  razorpaySignature?: string | null
  error?: {
    code?: string | null
    description?: string | null
    reason?: string | null
    /** JSON: `{ payment_id, order_id }`. */
    metadata?: string | null
  } | null
}

export type ConfirmCheckoutResult =
  | {
      kind: 'paid'
      invoiceNumber: string | null
      amountPaise: number
      invoiceStatus: string | null
      /** A top-up's: the receipt voucher its capture issued. */
      receiptVoucherNumber: string | null
    }
  | { kind: 'failed'; invoiceNumber: string | null; description: string; reason: string | null }
  /** Not captured yet, or Razorpay could not be asked: a webhook or the reconciliation settles it. */
  | { kind: 'pending'; invoiceNumber: string | null; message: string }
  /** The signature is not Razorpay's for our stored order and this payment: nothing is taken from it. */
  | { kind: 'bad_signature'; invoiceNumber: string | null }
  | { kind: 'unknown_order' }

/**
 * The browser's return from Checkout. Its fields decide nothing alone:
 * the signature is checked (constant time) against the order id WE stored,
 * then the payment is fetched from Razorpay and applied as its webhook
 * would be (`settleRazorpayPayment`). A failed attempt is also fetched,
 * so its error is recorded as Razorpay states it.
 */
export default class ConfirmCheckout {
  static async handle(input: CheckoutReturn): Promise<ConfirmCheckoutResult> {
    const order = input.orderId
      ? await BillingOrder.find(recordId(input.orderId))
      : input.razorpayOrderId
        ? await BillingOrder.findBy('razorpay_order_id', input.razorpayOrderId)
        : null
    if (!order) return { kind: 'unknown_order' }
    const invoice = order.invoiceId ? await BillingInvoice.find(order.invoiceId) : null
    const invoiceNumber = invoice?.invoiceNumber ?? null

    if (!input.razorpaySignature && input.error) {
      return ConfirmCheckout.failed(order, invoiceNumber, input.error)
    }
    const paymentId = input.razorpayPaymentId ?? ''
    const genuine = checkoutSignatureValid({
      orderId: order.razorpayOrderId,
      paymentId,
      signature: input.razorpaySignature,
      keySecret: razorpay.keySecret,
    })
    if (!genuine) return { kind: 'bad_signature', invoiceNumber }

    const fetched = await razorpayClient().fetchPayment(paymentId)
    if (!fetched.ok) return { kind: 'pending', invoiceNumber, message: fetched.message }
    if (fetched.value.order_id !== order.razorpayOrderId)
      return { kind: 'bad_signature', invoiceNumber }
    const settled = await settleRazorpayPayment(fetched.value)
    if (settled.kind === 'unsettled')
      return { kind: 'pending', invoiceNumber, message: settled.message }
    return ConfirmCheckout.outcome(order, invoiceNumber, settled.payment)
  }

  private static async outcome(
    order: BillingOrder,
    invoiceNumber: string | null,
    payment: {
      id: string
      status: string
      amount: number
      error_description: string | null
      error_reason: string | null
    }
  ): Promise<ConfirmCheckoutResult> {
    if (payment.status === 'captured' || payment.status === 'refunded') {
      const invoice = order.invoiceId
        ? await db.from('billing_invoices').where('id', order.invoiceId).select('status').first()
        : null
      const voucher =
        order.purpose === 'top_up'
          ? await db
              .from('billing_payments as p')
              .join('billing_invoices as v', 'v.id', 'p.receipt_voucher_id')
              .where('p.razorpay_payment_id', payment.id)
              .select('v.invoice_number')
              .first()
          : null
      return {
        kind: 'paid',
        invoiceNumber,
        amountPaise: payment.amount,
        invoiceStatus: invoice?.status ?? null,
        receiptVoucherNumber: voucher?.invoice_number ?? null,
      }
    }
    if (payment.status === 'failed') {
      return {
        kind: 'failed',
        invoiceNumber,
        description: payment.error_description ?? 'Razorpay did not say why.',
        reason: payment.error_reason,
      }
    }
    return {
      kind: 'pending',
      invoiceNumber,
      message: `Razorpay has the payment as ${payment.status}, not yet captured.`,
    }
  }

  /** A failed attempt: recorded from Razorpay's own account of it when the payment can be fetched. */
  private static async failed(
    order: BillingOrder,
    invoiceNumber: string | null,
    error: NonNullable<CheckoutReturn['error']>
  ): Promise<ConfirmCheckoutResult> {
    let paymentId: unknown = null
    try {
      paymentId = JSON.parse(error.metadata ?? 'null')?.payment_id
    } catch {}
    if (typeof paymentId === 'string' && /^pay_[A-Za-z0-9]{1,36}$/.test(paymentId)) {
      const fetched = await razorpayClient().fetchPayment(paymentId)
      if (fetched.ok && fetched.value.order_id === order.razorpayOrderId) {
        const settled = await settleRazorpayPayment(fetched.value)
        return ConfirmCheckout.outcome(order, invoiceNumber, settled.payment)
      }
    }
    // Only the browser's word: shown to the payer, recorded nowhere.
    return {
      kind: 'failed',
      invoiceNumber,
      description: (error.description || 'Razorpay did not say why.').slice(0, 300),
      reason: error.reason ? error.reason.slice(0, 100) : null,
    }
  }
}
