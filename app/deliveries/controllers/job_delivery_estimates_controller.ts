import type { HttpContext } from '@adonisjs/core/http'
import { foundOr404 } from '#core/http/not_found'
import OrgGenerationJobs from '#certificates/queries/org_generation_jobs'
import { estimateDelivery } from '#deliveries/queries/delivery_estimate'
import { deliveryFormData, deliveryFormValidator } from '#deliveries/validators/delivery'

/**
 * `GET /generation-jobs/:id/deliveries/estimate?channels=&audience=`: the
 * start form's preview (an island it refreshes as choices change): messages
 * per channel, recipients lacking the address, suppressed ones, and how
 * long the throttles take.
 */
export default class JobDeliveryEstimatesController {
  async show({ org, bouncer, params, request, view }: HttpContext) {
    await bouncer.authorize('allows', 'deliveries.send')
    const job = foundOr404(await OrgGenerationJobs.find(org, params.id))
    const [error, input] = await deliveryFormValidator.tryValidate(deliveryFormData(request.qs()))
    if (error)
      return view.render('components/deliveries/estimate', { estimate: null, channels: [] })
    const estimate = await estimateDelivery({
      org,
      job,
      channels: input.channels,
      audience: input.audience,
    })
    return view.render('components/deliveries/estimate', {
      estimate: estimate.kind === 'estimate' ? estimate : null,
      channels: input.channels,
      fallback: Boolean(input.fallback_to_email),
    })
  }
}
