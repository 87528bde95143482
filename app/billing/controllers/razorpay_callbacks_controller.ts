import type { HttpContext } from '@adonisjs/core/http'
import { handle } from '#core/http/outcomes'
import { redirectWith } from '#core/http/forms'
import { formatMoney } from '#core/services/formatting'
import ConfirmCheckout, { type CheckoutReturn } from '#billing/actions/confirm_checkout'
import { BILLING_PAGE } from '#billing/controllers/invoice_payments_controller'

const FIELDS = ['order', 'razorpay_payment_id', 'razorpay_order_id', 'razorpay_signature'] as const
const ERROR_FIELDS = ['code', 'description', 'source', 'step', 'reason', 'metadata'] as const

/** A field as a string, without text-direction controls (the browser's words may be shown in a message). */
const text = (value: unknown) =>
  typeof value === 'string'
    ? value.replace(/[\u202A-\u202E\u2066-\u2069]/g, '').slice(0, 2000)
    : null

function checkoutReturnOf(fields: Record<string, unknown>): CheckoutReturn {
  const error =
    typeof fields.error === 'object' && fields.error !== null
      ? (fields.error as Record<string, unknown>)
      : null
  return {
    orderId: text(fields.order),
    razorpayOrderId: text(fields.razorpay_order_id),
    razorpayPaymentId: text(fields.razorpay_payment_id),
    razorpaySignature: text(fields.razorpay_signature),
    error: error
      ? {
          code: text(error.code),
          description: text(error.description),
          reason: text(error.reason),
          metadata: text(error.metadata),
        }
      : null,
  }
}

const of = (invoiceNumber: string | null) => (invoiceNumber ? ` for invoice ${invoiceNumber}` : '')

/**
 * Where Checkout sends the payer back (`callback_url`). Razorpay's Checkout
 * POSTs it from its own site, so the browser sends no session cookie
 * (SameSite=Lax) and no CSRF token: `store` is declared without browser
 * state (answering it with a flash would replace the payer's session
 * cookie) and hands the same fields to `show` by a 303, a top-level GET
 * that carries the session. `show` (also Checkout's GET form) confirms the
 * payment and says on the billing page how it went.
 */
export default class RazorpayCallbacksController {
  async store({ request, response }: HttpContext) {
    const body = request.body()
    const query = new URLSearchParams()
    const order = request.qs().order ?? body.order
    for (const name of FIELDS) {
      const value = name === 'order' ? order : body[name]
      if (typeof value === 'string') query.set(name, value)
    }
    if (typeof body.error === 'object' && body.error !== null) {
      for (const name of ERROR_FIELDS) {
        const value = (body.error as Record<string, unknown>)[name]
        if (typeof value === 'string') query.set(`error[${name}]`, value)
      }
    }
    return response.redirect().status(303).toPath(`/billing/razorpay/callback?${query}`)
  }

  async show(ctx: HttpContext) {
    const result = await ConfirmCheckout.handle(checkoutReturnOf(ctx.request.qs()))
    const to = (level: 'success' | 'error', message: string) =>
      redirectWith(ctx, level, message).toPath(BILLING_PAGE)
    return handle(result, {
      paid: ({ invoiceNumber, amountPaise, invoiceStatus, receiptVoucherNumber }) =>
        to(
          'success',
          receiptVoucherNumber
            ? `Top-up of ${formatMoney(amountPaise)} received: it pays your invoices first. Its receipt voucher is ${receiptVoucherNumber}.`
            : `Payment of ${formatMoney(amountPaise)} received${of(invoiceNumber)}${invoiceStatus === 'paid' ? ': it is paid in full.' : '.'}`
        ),
      failed: ({ invoiceNumber, description }) =>
        to(
          'error',
          `Your payment${of(invoiceNumber)} did not go through: ${description} Nothing was charged${invoiceNumber ? ' and the invoice is still unpaid' : ''}; you can try again.`
        ),
      pending: ({ invoiceNumber, message }) =>
        to(
          'error',
          `Your payment${of(invoiceNumber)} is not confirmed yet (${message}). It will show here as soon as Razorpay confirms it; do not pay again meanwhile.`
        ),
      bad_signature: ({ invoiceNumber }) =>
        to(
          'error',
          `This payment confirmation${of(invoiceNumber)} could not be verified (its signature is not Razorpay’s for this order), so nothing was recorded from it. If you did pay, the payment will show here once Razorpay confirms it to us.`
        ),
      unknown_order: () =>
        to(
          'error',
          'This payment confirmation names no payment we started, so nothing was recorded from it.'
        ),
    })
  }
}
