import type { HttpContext } from '@adonisjs/core/http'
import { DateTime } from 'luxon'
import { foundOr404 } from '#core/http/not_found'
import OrgGenerationJobs from '#certificates/queries/org_generation_jobs'
import { jobDeliveryPanel } from '#deliveries/queries/job_delivery_panel'
import { panelOf } from '#deliveries/presenters/delivery_panel'

/**
 * `GET /generation-jobs/:id/deliveries/panel`: the job's delivery panel as
 * one island, rendered in the Deliver page and by itself. While a delivery
 * of the job is queued or sending it polls itself every two seconds; once
 * they are all done it renders without the trigger, so polling stops.
 */
export default class JobDeliveryPanelsController {
  async show({ org, bouncer, params, response, view }: HttpContext) {
    await bouncer.authorize('allows', 'deliveries.send')
    const job = foundOr404(await OrgGenerationJobs.find(org, params.id))
    response.header('Vary', 'HX-Request')
    response.header('Cache-Control', 'no-store')
    return view.render('components/deliveries/job_panel', {
      panel: panelOf(await jobDeliveryPanel(org, job), DateTime.utc()),
    })
  }
}
