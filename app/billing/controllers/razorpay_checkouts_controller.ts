import type { HttpContext } from '@adonisjs/core/http'
import razorpay from '#config/razorpay'
import billing from '#config/billing'
import { foundOr404 } from '#core/http/not_found'
import { redirectWith } from '#core/http/forms'
import { recordId } from '#orgs/queries/record_id'
import BillingOrder from '#billing/models/billing_order'
import BillingInvoice from '#billing/models/billing_invoice'
import { checkoutCallbackUrl } from '#billing/services/razorpay_account'
import { BILLING_PAGE } from '#billing/controllers/invoice_payments_controller'

/**
 * This page only may load Razorpay's Checkout: its script from
 * checkout.razorpay.com, its frames and its form posts to Razorpay.
 */
const CHECKOUT_CSP = [
  "default-src 'self'",
  "script-src 'self' https://checkout.razorpay.com",
  "style-src 'self'",
  "img-src 'self' data: blob: https://*.razorpay.com",
  "font-src 'self'",
  "connect-src 'self' https://*.razorpay.com",
  'frame-src https://api.razorpay.com https://checkout.razorpay.com',
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self' https://api.razorpay.com",
  "frame-ancestors 'none'",
].join('; ')

/** `GET /billing/orders/:id/checkout`: Razorpay's own Checkout for one of the org's orders. */
export default class RazorpayCheckoutsController {
  async show(ctx: HttpContext) {
    const { org, bouncer, params, view, response } = ctx
    await bouncer.authorize('allows', 'billing.manage')
    const order = foundOr404(
      await BillingOrder.query()
        .where('organization_id', org.id)
        .where('id', recordId(params.id))
        .first()
    )
    if (order.status === 'paid') {
      return redirectWith(ctx, 'success', 'This payment is already complete.').toPath(BILLING_PAGE)
    }
    const invoice = order.invoiceId ? await BillingInvoice.find(order.invoiceId) : null
    response.header('Content-Security-Policy', CHECKOUT_CSP)
    return view.render('pages/billing/orders/checkout', {
      nav: 'billing',
      invoiceNumber: invoice?.invoiceNumber ?? order.receipt,
      amountPaise: order.amountPaise,
      checkout: {
        key: razorpay.keyId,
        order_id: order.razorpayOrderId,
        amount: order.amountPaise,
        currency: order.currency,
        name: billing.supplier.name,
        description: invoice ? `Invoice ${invoice.invoiceNumber}` : 'Authentix',
        callback_url: checkoutCallbackUrl(order.id),
        prefill: { email: org.billingEmail ?? org.email ?? '' },
      },
    })
  }
}
