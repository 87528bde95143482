import type { HttpContext } from '@adonisjs/core/http'
import { foundOr404 } from '#core/http/not_found'
import { recordId } from '#orgs/queries/record_id'
import StartDelivery from '#deliveries/actions/start_delivery'
import DeliveryMessage from '#deliveries/models/delivery_message'
import DeliveryMessageItem from '#deliveries/models/delivery_message_item'
import { afterStart } from '#deliveries/controllers/job_delivery_starts'

/**
 * `POST /delivery-messages/:id/resend`: sends one message again — a new
 * delivery of its job with the certificates it carried picked, on its
 * channel.
 */
export default class DeliveryMessageResendsController {
  async store(ctx: HttpContext) {
    const { org, actor, bouncer, params } = ctx
    await bouncer.authorize('allows', 'deliveries.send')
    const message = foundOr404(
      await DeliveryMessage.query()
        .where('organization_id', org.id)
        .where('id', recordId(params.id))
        .first()
    )
    const items = await DeliveryMessageItem.query()
      .where('message_id', message.id)
      .whereNotNull('certificate_id')
    const result = await StartDelivery.handle({
      org,
      job: message.generationJobId,
      channels: [message.channel],
      audience: 'picked',
      certificateIds: items.map((item) => item.certificateId!),
      fallbackToEmail: false,
      actorUserId: actor.user.id,
    })
    return afterStart(ctx, message.generationJobId, result)
  }
}
