import type { HttpContext } from '@adonisjs/core/http'
import { throwNotFound } from '#core/http/not_found'
import { handle } from '#core/http/outcomes'
import { apiActing } from '#api/middleware/acting'
import CancelDelivery from '#deliveries/actions/cancel_delivery'
import { deliveryCounts } from '#deliveries/queries/delivery_counts'
import type Delivery from '#deliveries/models/delivery'
import { fail } from '#api/controllers/api_responses'
import { deliveryJson } from '#api/controllers/delivery_json'

/**
 * `POST /api/v1/deliveries/:id/cancellation` → 200 the delivery, now
 * `cancelled` (its unsent messages are counted under `counts.cancelled`); a
 * finished one → 409 `E_DELIVERY_FINISHED`.
 */
export default class DeliveryCancellationsController {
  async store(ctx: HttpContext) {
    const { apiOrg, params, response } = ctx
    const { origin } = apiActing(ctx)
    const result = await CancelDelivery.handle({
      org: apiOrg,
      actorUserId: null,
      origin,
      deliveryId: params.id,
    })
    const withCounts = async (delivery: Delivery) => {
      const counts = await deliveryCounts(apiOrg.id, [delivery.id])
      return deliveryJson(delivery, counts.get(delivery.id)!)
    }
    return handle(result, {
      cancelled: ({ delivery }) => withCounts(delivery),
      finished: ({ message }) => fail(response, 409, [{ code: 'E_DELIVERY_FINISHED', message }]),
      not_found: throwNotFound,
    })
  }
}
