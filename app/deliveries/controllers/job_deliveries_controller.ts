import type { HttpContext } from '@adonisjs/core/http'
import { DateTime } from 'luxon'
import { foundOr404 } from '#core/http/not_found'
import OrgGenerationJobs from '#certificates/queries/org_generation_jobs'
import { jobDeliveryPanel } from '#deliveries/queries/job_delivery_panel'
import { panelOf } from '#deliveries/presenters/delivery_panel'
import OrgDeliveryIntegrations from '#deliveries/queries/org_delivery_integrations'
import StartDelivery from '#deliveries/actions/start_delivery'
import { validateOrFlash } from '#core/http/forms'
import {
  deliveryFormData,
  deliveryFormValidator,
  deliveryMessages,
} from '#deliveries/validators/delivery'
import { afterStart } from '#deliveries/controllers/job_delivery_starts'

/**
 * `GET /generation-jobs/:id/deliveries`: a job's "Deliver" page — the form
 * that starts a delivery (with its estimate) and the job's delivery panel;
 * `POST` starts one.
 */
export default class JobDeliveriesController {
  async show({ org, bouncer, params, view }: HttpContext) {
    await bouncer.authorize('allows', 'deliveries.send')
    const job = foundOr404(await OrgGenerationJobs.find(org, params.id))
    const integrations = await OrgDeliveryIntegrations.list(org).where('is_active', true)
    const read = await jobDeliveryPanel(org, job)
    return view.render('pages/deliveries/job_deliveries/show', {
      nav: 'generation_jobs',
      job,
      panel: panelOf(read, DateTime.utc()),
      // Once a delivery has gone, a second click on the defaults must not mail everyone again.
      defaultAudience: read.deliveries.length > 0 ? 'undelivered' : 'all',
      canStart: job.status !== 'queued' && job.status !== 'processing' && job.completedItems > 0,
      hasWhatsApp: integrations.some((integration) => integration.channel === 'whatsapp'),
      hasOwnEmail: integrations.some((integration) => integration.channel === 'email'),
    })
  }

  async store(ctx: HttpContext) {
    const { org, actor, bouncer, params, request, response } = ctx
    await bouncer.authorize('allows', 'deliveries.send')
    const job = foundOr404(await OrgGenerationJobs.find(org, params.id))
    const input = await validateOrFlash(ctx, () =>
      deliveryFormValidator.validate(deliveryFormData(request.all()), {
        messagesProvider: deliveryMessages,
      })
    )
    if (!input) return response.redirect().toRoute('deliveries.job_deliveries.show', { id: job.id })
    const result = await StartDelivery.handle({
      org,
      job: job.id,
      channels: input.channels,
      audience: input.audience,
      fallbackToEmail: Boolean(input.fallback_to_email),
      actorUserId: actor.user.id,
    })
    return afterStart(ctx, job.id, result)
  }
}
