import type { HttpContext } from '@adonisjs/core/http'
import { handle } from '#core/http/outcomes'
import { redirectWith } from '#core/http/forms'
import { actingIn } from '#orgs/middleware/acting'
import StartTopUp from '#billing/actions/start_top_up'
import { topUpValidator } from '#billing/validators/top_up'
import { BILLING_PAGE, toCheckout } from '#billing/controllers/invoice_payments_controller'

/** `POST /billing/top-ups`: an order for the amount chosen, then Checkout. */
export default class TopUpsController {
  async store(ctx: HttpContext) {
    await ctx.bouncer.authorize('allows', 'billing.manage')
    const data = await ctx.request.validateUsing(topUpValidator)
    const result = await StartTopUp.handle({
      ...actingIn(ctx),
      amountPaise: data.amount_rupees * 100,
    })
    const back = (message: string) => redirectWith(ctx, 'error', message).toPath(BILLING_PAGE)
    return handle(result, {
      checkout: ({ order }) => toCheckout(ctx, order),
      not_configured: () =>
        back(
          'Paying online is not set up here yet (no Razorpay keys are configured): nothing was charged.'
        ),
      razorpay_failed: ({ message }) => back(`The top-up could not be started: ${message}`),
    })
  }
}
