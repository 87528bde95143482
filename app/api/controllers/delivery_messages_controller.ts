import type { HttpContext } from '@adonisjs/core/http'
import { paginationOf } from '#core/http/pagination'
import { foundOr404 } from '#core/http/not_found'
import OrgDeliveries from '#deliveries/queries/org_deliveries'
import { messageDetails, messagesOfDelivery } from '#deliveries/queries/delivery_message_details'
import { deliveryMessages, messageFiltersValidator } from '#deliveries/validators/delivery'
import { deliveryMessageJson } from '#api/controllers/delivery_json'
import { pageJson } from '#api/controllers/api_responses'

/** `GET /api/v1/deliveries/:id/messages?status=&channel=`: a page of a delivery's messages. */
export default class DeliveryMessagesController {
  async index({ apiOrg, params, request }: HttpContext) {
    const delivery = foundOr404(await OrgDeliveries.find(apiOrg, params.id))
    const pagination = await paginationOf(request.qs(), { perPage: 25 })
    const qs = request.qs()
    const filters = await messageFiltersValidator.validate(
      { status: qs.status || undefined, channel: qs.channel || undefined },
      { messagesProvider: deliveryMessages }
    )
    const page = await messagesOfDelivery(delivery, filters).paginate(
      pagination.page,
      pagination.perPage
    )
    const details = await messageDetails(page.all())
    return pageJson({ ...pageMeta(page), all: () => details }, deliveryMessageJson)
  }
}

function pageMeta(page: { total: number; currentPage: number; perPage: number }) {
  return { total: page.total, currentPage: page.currentPage, perPage: page.perPage }
}
