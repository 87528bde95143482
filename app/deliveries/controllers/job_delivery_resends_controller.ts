import type { HttpContext } from '@adonisjs/core/http'
import { foundOr404 } from '#core/http/not_found'
import { redirectWith } from '#core/http/forms'
import OrgGenerationJobs from '#certificates/queries/org_generation_jobs'
import StartDelivery from '#deliveries/actions/start_delivery'
import { jobFailureGroups } from '#deliveries/queries/delivery_failures'
import { afterStart } from '#deliveries/controllers/job_delivery_starts'

/**
 * `POST /generation-jobs/:id/deliveries/resends`: "Resend all failed" — a
 * delivery to every recipient whose newest message failed, on the channels
 * that failed.
 */
export default class JobDeliveryResendsController {
  async store(ctx: HttpContext) {
    const { org, actor, bouncer, params } = ctx
    await bouncer.authorize('allows', 'deliveries.send')
    const job = foundOr404(await OrgGenerationJobs.find(org, params.id))
    const failures = await jobFailureGroups(org.id, job.id)
    const channels = [...new Set(failures.map((group) => group.channel))]
    if (channels.length === 0)
      return redirectWith(
        ctx,
        'error',
        'No message of this job has failed: nothing to resend.'
      ).toRoute('deliveries.job_deliveries.show', { id: job.id })
    const result = await StartDelivery.handle({
      org,
      job: job.id,
      channels,
      audience: 'failed',
      fallbackToEmail: false,
      actorUserId: actor.user.id,
    })
    return afterStart(ctx, job.id, result)
  }
}
