import type { HttpContext } from '@adonisjs/core/http'
import { foundOr404 } from '#core/http/not_found'
import { recordId } from '#orgs/queries/record_id'
import OrgGenerationJobs from '#certificates/queries/org_generation_jobs'
import GenerationJobRecipient from '#certificates/models/generation_job_recipient'
import { recipientTimeline } from '#deliveries/queries/delivery_timeline'
import { timelineWords } from '#deliveries/presenters/delivery_panel'

/**
 * `GET /generation-jobs/:job_id/recipients/:id/deliveries`: one recipient
 * of a job and everything sent to them, on every channel and delivery, as
 * one timeline.
 */
export default class DeliveryRecipientsController {
  async show({ org, bouncer, params, view }: HttpContext) {
    await bouncer.authorize('allows', 'deliveries.send')
    const job = foundOr404(await OrgGenerationJobs.find(org, params.job_id))
    const recipient = foundOr404(
      await GenerationJobRecipient.query()
        .where('job_id', job.id)
        .where('id', recordId(params.id))
        .first()
    )
    const timeline = await recipientTimeline(org, recipient.id)
    // The newest message per channel (messages come oldest first): what a resend repeats.
    const latest = new Map(timeline.messages.map((message) => [message.channel, message]))
    return view.render('pages/deliveries/recipients/show', {
      nav: 'generation_jobs',
      job,
      recipient,
      timeline,
      entries: timeline.entries.map((entry) => ({ entry, words: timelineWords(entry) })),
      latest: [...latest.values()],
    })
  }
}
