import type { HttpContext } from '@adonisjs/core/http'
import { paginationOf } from '#core/http/pagination'
import { foundOr404 } from '#core/http/not_found'
import OrgGenerationJobs from '#certificates/queries/org_generation_jobs'
import OrgDeliveries from '#deliveries/queries/org_deliveries'
import { deliveryCounts } from '#deliveries/queries/delivery_counts'
import { deliveryJson } from '#api/controllers/delivery_json'
import { fail, pageJson } from '#api/controllers/api_responses'
import { deliveryRefusal } from '#api/controllers/delivery_refusals'
import StartDelivery from '#deliveries/actions/start_delivery'
import { deliveryMessages, startDeliveryValidator } from '#deliveries/validators/delivery'

/** `/api/v1/generation-jobs/:id/deliveries`: a job's deliveries (newest first); starting one. */
export default class GenerationJobDeliveriesController {
  async index({ apiOrg, params, request }: HttpContext) {
    const job = foundOr404(await OrgGenerationJobs.find(apiOrg, params.id))
    const pagination = await paginationOf(request.qs(), { perPage: 25 })
    const page = await OrgDeliveries.ofJob(apiOrg, job.id).paginate(
      pagination.page,
      pagination.perPage
    )
    const counts = await deliveryCounts(
      apiOrg.id,
      page.all().map((delivery) => delivery.id)
    )
    return pageJson(page, (delivery) => deliveryJson(delivery, counts.get(delivery.id)!))
  }

  /**
   * `POST /api/v1/generation-jobs/:id/deliveries` → 202 `{ id, status, total_messages, … }`.
   * `certificate_ids` picks those certificates (the audience is then `picked`).
   */
  async store(ctx: HttpContext) {
    const { apiOrg, apiKey, params, request, response } = ctx
    const job = foundOr404(await OrgGenerationJobs.find(apiOrg, params.id))
    const input = await request.validateUsing(startDeliveryValidator, {
      messagesProvider: deliveryMessages,
    })
    if (input.certificate_ids && input.audience && input.audience !== 'all')
      return fail(response, 422, [
        {
          code: 'E_VALIDATION_ERROR',
          message:
            'Give either an audience or certificate_ids: picked certificates are sent whatever their earlier messages.',
          field: 'audience',
        },
      ])
    const result = await StartDelivery.handle({
      org: apiOrg,
      job: job.id,
      channels: input.channels,
      audience: input.certificate_ids ? 'picked' : (input.audience ?? 'all'),
      certificateIds: input.certificate_ids ?? null,
      fallbackToEmail: input.fallback_to_email ?? false,
      actorUserId: null,
      apiKeyId: apiKey.id,
    })
    if (result.kind === 'refused') return deliveryRefusal(response, result)
    const counts = await deliveryCounts(apiOrg.id, [result.delivery.id])
    return response.status(202).send(deliveryJson(result.delivery, counts.get(result.delivery.id)!))
  }
}
