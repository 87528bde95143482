import type { HttpContext } from '@adonisjs/core/http'
import { paginationOf } from '#core/http/pagination'
import { foundOr404 } from '#core/http/not_found'
import OrgGenerationJobs from '#certificates/queries/org_generation_jobs'
import OrgDeliveries from '#deliveries/queries/org_deliveries'
import { deliveryCounts } from '#deliveries/queries/delivery_counts'
import { deliveryJson } from '#api/controllers/delivery_json'
import { pageJson } from '#api/controllers/api_responses'

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
}
