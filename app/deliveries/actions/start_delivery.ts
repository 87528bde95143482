import db from '@adonisjs/lucid/services/db'
import { DateTime } from 'luxon'
import { Queue } from '#core/queue/queue'
import { dbTimestamp } from '#core/services/database_time'
import type Organization from '#orgs/models/organization'
import { auditInOrg } from '#orgs/actions/org_audit'
import type GenerationJob from '#certificates/models/generation_job'
import OrgGenerationJobs from '#certificates/queries/org_generation_jobs'
import Delivery, { type DeliveryAudience } from '#deliveries/models/delivery'
import {
  addressOf,
  certificatesNotInJob,
  deliveryAudience,
} from '#deliveries/queries/delivery_audience'
import { normalizedAddress } from '#deliveries/services/delivery_status'
import {
  channelSender,
  insertMessages,
  type ChannelSender,
  type NewMessage,
} from '#deliveries/services/delivery_message_rows'
import { CHANNELS, type Channel } from '#deliveries/services/providers'
import { enqueueSends, type QueuedMessage } from '#deliveries/services/send_queue'

export interface StartDeliveryInput {
  org: Organization
  /** The job, or its id (looked up through the org). */
  job: GenerationJob | string
  channels: Channel[]
  audience: DeliveryAudience
  /** The certificates to send (audience `picked`; one certificate is a resend). */
  certificateIds?: string[] | null
  fallbackToEmail: boolean
  actorUserId: string | null
  apiKeyId?: string | null
}

export type StartDeliveryRefusalCode =
  | 'E_NOT_FOUND'
  | 'E_INVALID_INPUT'
  | 'E_JOB_NOT_FINISHED'
  | 'E_NO_WHATSAPP_INTEGRATION'
  | 'E_INTEGRATION_PAUSED'
  | 'E_CERTIFICATES_NOT_IN_JOB'
  | 'E_NOTHING_TO_SEND'

export type StartDeliveryResult =
  | {
      kind: 'created'
      delivery: Delivery
      /** Per channel: messages queued, messages suppressed at once, recipients lacking the address. */
      counts: Record<Channel, { queued: number; suppressed: number; missingAddress: number }>
      /** True when this was a double submit of a delivery created seconds ago: that one is returned. */
      duplicate: boolean
    }
  | { kind: 'refused'; code: StartDeliveryRefusalCode; message: string; certificateIds?: string[] }

const DOUBLE_SUBMIT_SECONDS = 15
const MAX_PICKED = 10_000

function refused(
  code: StartDeliveryRefusalCode,
  message: string,
  certificateIds?: string[]
): StartDeliveryResult {
  return { kind: 'refused', code, message, ...(certificateIds ? { certificateIds } : {}) }
}

function missingSentence(channel: Channel, count: number) {
  const what = channel === 'email' ? 'email address' : 'phone number'
  return `${count} recipient${count === 1 ? ' has' : 's have'} no ${what}`
}

function sameList(a: string[] | null, b: string[] | null) {
  if (a === null || b === null) return a === b
  return a.length === b.length && [...a].sort().join(',') === [...b].sort().join(',')
}

/**
 * Starts sending a generation job's certificates to their recipients: one
 * message per recipient per channel carrying all their issued certificates
 * of the job (`delivery_message_items`), addressed through the org's
 * default integration of each channel (email without one: the platform's
 * own sender). In one transaction: the delivery, its messages (suppressed
 * addresses end `suppressed` at once; recipients without the channel's
 * address get none and are counted), their items, the send jobs and the
 * audit entry; the workers are woken after it commits.
 *
 * The same request again within a few seconds (a double submit) returns
 * the delivery the first one created.
 */
export default class StartDelivery {
  static async handle(input: StartDeliveryInput): Promise<StartDeliveryResult> {
    const channels = [...new Set(input.channels)]
    if (channels.length === 0 || channels.some((c) => !(CHANNELS as readonly string[]).includes(c)))
      return refused('E_INVALID_INPUT', 'Choose at least one channel: email, whatsapp or both.')
    if (!['all', 'undelivered', 'failed', 'picked'].includes(input.audience))
      return refused(
        'E_INVALID_INPUT',
        'Choose whom to send to: all, undelivered, failed or picked certificates.'
      )
    const picked =
      input.audience === 'picked' ? [...new Set((input.certificateIds ?? []).map(String))] : null
    if (picked !== null && picked.length === 0)
      return refused('E_INVALID_INPUT', 'Pick at least one certificate to send.')
    if (picked !== null && picked.length > MAX_PICKED)
      return refused('E_INVALID_INPUT', `Pick at most ${MAX_PICKED} certificates at once.`)
    const fallbackToEmail = Boolean(input.fallbackToEmail) && channels.includes('whatsapp')

    const result = await db.transaction(async (trx) => {
      const jobId = typeof input.job === 'string' ? input.job : input.job.id
      const job = await OrgGenerationJobs.find(input.org, jobId, trx)
      if (!job) return refused('E_NOT_FOUND', 'No such generation job in this organization.')
      if (job.status === 'queued' || job.status === 'processing')
        return refused(
          'E_JOB_NOT_FINISHED',
          'This job is still generating certificates: send them once it has finished.'
        )

      const senders = new Map<Channel, ChannelSender>()
      for (const channel of channels) {
        const sender = await channelSender(trx, input.org.id, channel)
        if (!sender)
          return refused(
            'E_NO_WHATSAPP_INTEGRATION',
            'This organization has no active WhatsApp integration: add one under Settings → Delivery.'
          )
        if (sender.kind === 'integration' && sender.integration.pausedAt)
          return refused(
            'E_INTEGRATION_PAUSED',
            `The ${channel === 'email' ? 'email' : 'WhatsApp'} integration “${sender.integration.displayName}” is paused: ${sender.integration.pauseReason ?? 'the provider refused the account'}. Fix it and resume it under Settings → Delivery.`
          )
        senders.set(channel, sender)
      }

      if (picked !== null) {
        const strangers = await certificatesNotInJob(trx, input.org, job.id, picked)
        if (strangers.length > 0)
          return refused(
            'E_CERTIFICATES_NOT_IN_JOB',
            `These certificates are not issued certificates of this job: ${strangers.slice(0, 20).join(', ')}${strangers.length > 20 ? ` and ${strangers.length - 20} more` : ''}.`,
            strangers
          )
      }

      const recent = await Delivery.query({ client: trx })
        .where('organization_id', input.org.id)
        .where('generation_job_id', job.id)
        .where('audience', input.audience)
        .where(
          'created_at',
          '>=',
          dbTimestamp(trx, DateTime.utc().minus({ seconds: DOUBLE_SUBMIT_SECONDS }))
        )
        .whereIn('status', ['queued', 'sending'])
        .orderBy('created_at', 'desc')
      const twin = recent.find(
        (delivery) =>
          delivery.requestedBy === input.actorUserId &&
          (delivery.apiKeyId ?? null) === (input.apiKeyId ?? null) &&
          sameList(delivery.channels, channels) &&
          sameList(delivery.certificateIds, picked) &&
          delivery.fallbackToEmail === fallbackToEmail
      )
      if (twin) return { kind: 'twin' as const, delivery: twin }

      const audiences = await deliveryAudience(
        trx,
        input.org,
        job.id,
        channels,
        input.audience,
        picked
      )
      const total = audiences.reduce((sum, a) => sum + a.recipients.length, 0)
      if (total === 0) {
        const missing = audiences
          .filter((a) => a.missingAddress > 0)
          .map((a) => missingSentence(a.channel, a.missingAddress))
        return refused(
          'E_NOTHING_TO_SEND',
          `No recipient to send to${input.audience === 'undelivered' ? ' who has not been sent their certificates already' : input.audience === 'failed' ? ' whose last message failed' : ''}${missing.length ? `: ${missing.join(', ')}` : ''}.`
        )
      }

      const delivery = new Delivery()
      delivery.fill({
        organizationId: input.org.id,
        generationJobId: job.id,
        status: 'queued',
        channels,
        audience: input.audience,
        certificateIds: picked,
        fallbackToEmail,
        totalMessages: total,
        missingAddresses: Object.fromEntries(audiences.map((a) => [a.channel, a.missingAddress])),
        requestedBy: input.actorUserId,
        apiKeyId: input.apiKeyId ?? null,
      })
      await delivery.useTransaction(trx).save()

      const counts = {} as Record<
        Channel,
        { queued: number; suppressed: number; missingAddress: number }
      >
      const queued: QueuedMessage[] = []
      for (const audience of audiences) {
        const messages: NewMessage[] = audience.recipients.map((recipient) => ({
          organizationId: input.org.id,
          deliveryId: delivery.id,
          generationJobId: job.id,
          recipient,
          channel: audience.channel,
          sender: senders.get(audience.channel)!,
          suppressed: audience.suppressed.has(
            normalizedAddress(audience.channel, addressOf(recipient, audience.channel)!)
          ),
        }))
        const inserted = await insertMessages(trx, messages)
        queued.push(...inserted)
        counts[audience.channel] = {
          queued: inserted.length,
          suppressed: messages.length - inserted.length,
          missingAddress: audience.missingAddress,
        }
      }
      if (queued.length === 0) {
        // Every address is suppressed: nothing will be sent, the delivery is over.
        delivery.status = 'completed'
        delivery.finishedAt = DateTime.utc()
        await delivery.useTransaction(trx).save()
      }
      await enqueueSends(trx, input.org.id, queued)
      await auditInOrg(
        trx,
        { org: input.org, actorUserId: input.actorUserId },
        'delivery.started',
        { type: 'delivery', id: delivery.id },
        {
          job_id: job.id,
          channels,
          audience: input.audience,
          messages: total,
          ...(picked ? { certificates: picked.length } : {}),
          ...(input.apiKeyId ? { api_key_id: input.apiKeyId } : {}),
        }
      )
      return { kind: 'created' as const, delivery, counts, duplicate: false }
    })

    if (result.kind === 'twin') {
      return {
        kind: 'created',
        delivery: result.delivery,
        counts: await countsOf(result.delivery),
        duplicate: true,
      }
    }
    if (result.kind === 'created') Queue.notify()
    return result
  }
}

/** A delivery's messages per channel, as StartDelivery reports them. */
async function countsOf(delivery: Delivery) {
  const rows = await db
    .from('delivery_messages')
    .where('delivery_id', delivery.id)
    .groupBy('channel', 'status')
    .select('channel', 'status')
    .count('* as total')
  const counts = {} as Record<
    Channel,
    { queued: number; suppressed: number; missingAddress: number }
  >
  for (const channel of delivery.channels) {
    counts[channel] = {
      queued: 0,
      suppressed: 0,
      missingAddress: delivery.missingAddresses?.[channel] ?? 0,
    }
  }
  for (const row of rows) {
    const entry = counts[row.channel as Channel]
    if (!entry) continue
    if (row.status === 'suppressed') entry.suppressed += Number(row.total)
    else entry.queued += Number(row.total)
  }
  return counts
}
