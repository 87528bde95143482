import type { HttpContext } from '@adonisjs/core/http'
import { foundOr404 } from '#core/http/not_found'
import OrgDeliveries from '#deliveries/queries/org_deliveries'
import { deliveryCounts } from '#deliveries/queries/delivery_counts'
import { deliveryJson } from '#api/controllers/delivery_json'

/** `GET /api/v1/deliveries/:id`: a delivery with its counts overall and per channel. */
export default class DeliveriesController {
  async show({ apiOrg, params }: HttpContext) {
    const delivery = foundOr404(await OrgDeliveries.find(apiOrg, params.id))
    const counts = await deliveryCounts(apiOrg.id, [delivery.id])
    return deliveryJson(delivery, counts.get(delivery.id)!)
  }
}
