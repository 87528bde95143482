import type { HttpContext } from '@adonisjs/core/http'
import { throwNotFound } from '#core/http/not_found'
import { handle } from '#core/http/outcomes'
import { redirectWith } from '#core/http/forms'
import { formatNumber } from '#core/services/formatting'
import { actingIn } from '#orgs/middleware/acting'
import CancelDelivery from '#deliveries/actions/cancel_delivery'

/** `POST /deliveries/:id/cancellation`: stops a delivery; what was not sent yet never is. */
export default class DeliveryCancellationsController {
  async store(ctx: HttpContext) {
    await ctx.bouncer.authorize('allows', 'deliveries.send')
    const result = await CancelDelivery.handle({ ...actingIn(ctx), deliveryId: ctx.params.id })
    const back = (jobId: string) => ({ id: jobId })
    return handle(result, {
      cancelled: ({ delivery, unsent }) =>
        redirectWith(
          ctx,
          'success',
          `Delivery cancelled: ${formatNumber(unsent)} message${unsent === 1 ? '' : 's'} not sent.`
        ).toRoute('deliveries.job_deliveries.show', back(delivery.generationJobId)),
      finished: ({ delivery, message }) =>
        redirectWith(ctx, 'error', message).toRoute(
          'deliveries.job_deliveries.show',
          back(delivery.generationJobId)
        ),
      not_found: throwNotFound,
    })
  }
}
