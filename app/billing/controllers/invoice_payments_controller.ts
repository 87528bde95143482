import type { HttpContext } from '@adonisjs/core/http'
import { throwNotFound } from '#core/http/not_found'
import { handle } from '#core/http/outcomes'
import { redirectWith } from '#core/http/forms'
import { formatMoney } from '#core/services/formatting'
import { actingIn } from '#orgs/middleware/acting'
import StartInvoicePayment, { MINIMUM_ORDER_PAISE } from '#billing/actions/start_invoice_payment'
import { checkoutLocation } from '#billing/services/razorpay_account'
import type BillingOrder from '#billing/models/billing_order'

/** The billing page (`billing.show`, another part of issue 16): by path, it may be on another branch. */
export const BILLING_PAGE = '/billing'

/** On to the order's Checkout (Razorpay's on our page, or the stand-in's). */
export function toCheckout(ctx: HttpContext, order: BillingOrder) {
  const location = checkoutLocation(order)
  // A boosted form's XHR would follow a redirect to another origin and fail: htmx navigates instead.
  if (ctx.request.header('hx-request')) {
    return ctx.response.header('HX-Redirect', location).noContent()
  }
  return ctx.response.redirect().status(303).toPath(location)
}

/** `POST /billing/invoices/:id/payment`: the order for what is due, then Checkout. */
export default class InvoicePaymentsController {
  async store(ctx: HttpContext) {
    await ctx.bouncer.authorize('allows', 'billing.manage')
    const result = await StartInvoicePayment.handle({ ...actingIn(ctx), invoiceId: ctx.params.id })
    const back = (message: string) => redirectWith(ctx, 'error', message).toPath(BILLING_PAGE)
    return handle(result, {
      checkout: ({ order }) => toCheckout(ctx, order),
      not_found: throwNotFound,
      not_configured: () =>
        back(
          'Paying online is not set up here yet (no Razorpay keys are configured): nothing was charged. Ask support how to pay this invoice.'
        ),
      void: ({ invoice }) =>
        back(`Invoice ${invoice.invoiceNumber} is void: there is nothing to pay.`),
      nothing_due: ({ invoice }) =>
        back(`Invoice ${invoice.invoiceNumber} is already paid: nothing is due.`),
      below_minimum: ({ invoice }) =>
        back(
          `Invoice ${invoice.invoiceNumber} has ${formatMoney(invoice.amountDuePaise)} due, less than the ${formatMoney(MINIMUM_ORDER_PAISE)} Razorpay can collect: ask support to settle it.`
        ),
      razorpay_failed: ({ invoice, message }) =>
        back(`The payment of invoice ${invoice.invoiceNumber} could not be started: ${message}`),
    })
  }
}
