import type Organization from '#orgs/models/organization'
import { QueueWorker } from '#core/queue/worker'
import StartDelivery from '#deliveries/actions/start_delivery'
import Delivery from '#deliveries/models/delivery'
import CreateGenerationJob from '#certificates/actions/create_generation_job'
import Certificate from '#certificates/models/certificate'
import GenerationJobRecipient from '#certificates/models/generation_job_recipient'
import { givenImport } from '#tests/helpers/imports'
import { givenTemplate } from '#tests/helpers/given_templates'
import { NAME_COURSE_NUMBER_QR, runJobs } from '#tests/helpers/certificates'

export interface RecipientRow {
  name: string
  email?: string
  phone?: string
}

/** `count` learners, each with an email and an Indian mobile number. */
export function learners(count: number, from = 1): RecipientRow[] {
  return Array.from({ length: count }, (_, i) => ({
    name: `Learner ${from + i}`,
    email: `learner${from + i}@example.com`,
    phone: `+91 98${String(10_000_000 + from + i).slice(-8)}`,
  }))
}

/**
 * A completed job of `org` over these recipients (email and phone may be
 * missing) and `templates` templates: every recipient has that many issued
 * certificates.
 */
export async function givenIssuedJob(
  org: Organization,
  rows: RecipientRow[],
  options: { templates?: number } = {}
) {
  const templateIds: string[] = []
  for (let i = 0; i < (options.templates ?? 1); i++) {
    const { template } = await givenTemplate(org, {
      name: `Delivery template ${i + 1}`,
      fields: NAME_COURSE_NUMBER_QR,
    })
    templateIds.push(template.id)
  }
  const csv = [
    'Full Name,Email Address,Phone,Course',
    ...rows.map((row) => `${row.name},${row.email ?? ''},${row.phone ?? ''},Data Science`),
  ].join('\n')
  const list = await givenImport(org, {
    bytes: new TextEncoder().encode(csv),
    name: `learners-${rows.length}.csv`,
  })
  const result = await CreateGenerationJob.handle({
    org,
    templateIds,
    importId: list.id,
    issueDate: '2026-03-15',
    expiry: { mode: 'none' },
    start: true,
    actorUserId: null,
  })
  if (result.kind !== 'created') throw new Error(`job not created: ${JSON.stringify(result)}`)
  const job = await runJobs(result.job.id)
  const recipients = await GenerationJobRecipient.query()
    .where('job_id', job!.id)
    .orderBy('position', 'asc')
  const certificates = await Certificate.query()
    .where('generation_job_id', job!.id)
    .orderBy('sequence_number', 'asc')
  return { job: job!, recipients, certificates }
}

/** Starts an email delivery of every recipient of the job, as the Deliver form would; throws unless created. */
export async function startEmail(org: Organization, jobId: string) {
  const result = await StartDelivery.handle({
    org,
    job: jobId,
    channels: ['email'],
    audience: 'all',
    fallbackToEmail: false,
    actorUserId: null,
  })
  if (result.kind !== 'created') throw new Error(`not created: ${JSON.stringify(result)}`)
  return result.delivery
}

/** Runs the queue in this process until the delivery is over (retries and throttled batches wait in between). */
export async function sendUntilDone(deliveryId: string, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs
  while (true) {
    await QueueWorker.drain({ lanes: 1 })
    const delivery = await Delivery.findOrFail(deliveryId)
    if (delivery.status === 'completed' || delivery.status === 'cancelled') return delivery
    if (Date.now() > deadline) throw new Error(`delivery still ${delivery.status}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}
