import type { HttpContext } from '@adonisjs/core/http'
import router from '@adonisjs/core/services/router'
import { paginationOf } from '#core/http/pagination'
import { foundOr404 } from '#core/http/not_found'
import OrgGenerationJobs from '#certificates/queries/org_generation_jobs'
import GenerationJobRecipient from '#certificates/models/generation_job_recipient'
import OrgDeliveries from '#deliveries/queries/org_deliveries'
import { deliveryCounts } from '#deliveries/queries/delivery_counts'
import { messageDetails, messagesOfDelivery } from '#deliveries/queries/delivery_message_details'
import { messageFiltersValidator } from '#deliveries/validators/delivery'
import { MESSAGE_STATUSES } from '#deliveries/services/delivery_status'

/**
 * `GET /deliveries/:id/messages?status=&channel=`: one delivery's messages,
 * filtered and paginated, each with its recipient, certificates, attempts,
 * last error and events (the web's view of the API's message list).
 */
export default class DeliveryMessagesController {
  async index({ org, bouncer, params, request, view }: HttpContext) {
    await bouncer.authorize('allows', 'deliveries.send')
    const delivery = foundOr404(await OrgDeliveries.find(org, params.id))
    const job = foundOr404(await OrgGenerationJobs.find(org, delivery.generationJobId))
    const pagination = await paginationOf(request.qs(), { perPage: 50 })
    // A filter form: a malformed value is dropped, not refused.
    const qs = request.qs()
    const [, valid] = await messageFiltersValidator.tryValidate({
      status: qs.status || undefined,
      channel: qs.channel || undefined,
    })
    const filters = { status: valid?.status, channel: valid?.channel }
    const page = await messagesOfDelivery(delivery, filters).paginate(
      pagination.page,
      pagination.perPage
    )
    page.baseUrl(
      router.builder().params({ id: delivery.id }).make('deliveries.delivery_messages.index')
    )
    page.queryString(Object.fromEntries(Object.entries(filters).filter(([, value]) => value)))
    const details = await messageDetails(page.all())
    const recipients = await GenerationJobRecipient.query()
      .where('job_id', job.id)
      .whereIn(
        'id',
        details.map((d) => d.message.recipientId)
      )
      .select('id', 'recipient_name')
    const counts = await deliveryCounts(org.id, [delivery.id])
    return view.render('pages/deliveries/delivery_messages/index', {
      nav: 'generation_jobs',
      job,
      delivery,
      counts: counts.get(delivery.id)!,
      messages: page,
      details,
      names: Object.fromEntries(recipients.map((r) => [r.id, r.recipientName])),
      filters,
      statuses: MESSAGE_STATUSES,
    })
  }
}
