import type Organization from '#orgs/models/organization'
import { recordId } from '#orgs/queries/record_id'
import GenerationJob from '#certificates/models/generation_job'
import GenerationJobRecipient from '#certificates/models/generation_job_recipient'
import Certificate from '#certificates/models/certificate'
import {
  recipientVariables,
  renderEmail,
  renderWhatsapp,
  type TemplateContent,
} from '#deliveries/services/delivery_template_rendering'

/** How many jobs and recipients the pickers offer (a recipient further down is reached by id). */
const JOBS_OFFERED = 50
const RECIPIENTS_OFFERED = 100

/**
 * A template rendered for a real recipient of one of the org's jobs: the
 * chosen job (else the newest with a certificate issued), the chosen
 * recipient of it (else its first), and the pickers' choices.
 */
export default class DeliveryTemplatePreview {
  static async for(
    org: Organization,
    content: TemplateContent,
    choice: { jobId?: unknown; recipientId?: unknown }
  ) {
    const jobs = await GenerationJob.query()
      .where('organization_id', org.id)
      .where('completed_items', '>', 0)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(JOBS_OFFERED)
    const chosenJob = choice.jobId
      ? await GenerationJob.query()
          .where('organization_id', org.id)
          .where('id', recordId(choice.jobId))
          .first()
      : null
    const job = chosenJob ?? jobs[0] ?? null
    if (job && !jobs.some((offered) => offered.id === job.id)) jobs.unshift(job)
    if (!job)
      return { jobs, job, recipients: [], recipient: null, certificates: [], rendered: null }

    const recipients = await GenerationJobRecipient.query()
      .where('job_id', job.id)
      .orderBy('position', 'asc')
      .limit(RECIPIENTS_OFFERED)
    const chosenRecipient = choice.recipientId
      ? await GenerationJobRecipient.query()
          .where('job_id', job.id)
          .where('id', recordId(choice.recipientId))
          .first()
      : null
    const recipient = chosenRecipient ?? recipients[0] ?? null
    if (recipient && !recipients.some((offered) => offered.id === recipient.id)) {
      recipients.unshift(recipient)
    }
    if (!recipient) return { jobs, job, recipients, recipient, certificates: [], rendered: null }

    const certificates = await Certificate.query()
      .where('organization_id', org.id)
      .where('generation_job_id', job.id)
      .where('generation_job_recipient_id', recipient.id)
      .whereNot('status', 'pending')
      .orderBy('sequence_number', 'asc')
    const values = recipientVariables({
      orgName: org.name,
      recipientName: recipient.recipientName,
      recipientData: recipient.recipientData ?? {},
      certificates,
    })
    const rendered =
      content.channel === 'email'
        ? { channel: 'email' as const, email: renderEmail(content, values) }
        : { channel: 'whatsapp' as const, whatsapp: renderWhatsapp(content, values) }
    return { jobs, job, recipients, recipient, certificates, rendered }
  }
}
