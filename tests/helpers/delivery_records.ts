import { randomUUID } from 'node:crypto'
import { DateTime } from 'luxon'
import type Organization from '#orgs/models/organization'
import Certificate from '#certificates/models/certificate'
import GenerationJobRecipient from '#certificates/models/generation_job_recipient'
import type GenerationJob from '#certificates/models/generation_job'
import Delivery, { type DeliveryAudience, type DeliveryStatus } from '#deliveries/models/delivery'
import DeliveryMessage from '#deliveries/models/delivery_message'
import DeliveryMessageItem from '#deliveries/models/delivery_message_item'
import DeliveryAttempt, { type AttemptOutcome } from '#deliveries/models/delivery_attempt'
import DeliveryProviderWebhookEvent from '#deliveries/models/delivery_provider_webhook_event'
import type { MessageStatus } from '#deliveries/services/delivery_status'
import type { Channel } from '#deliveries/services/providers'

/**
 * Delivery rows written straight through the models, as the send worker
 * and the webhooks would leave them: for specs of what reads them.
 */
export async function givenDelivery(
  org: Organization,
  job: GenerationJob,
  options: {
    channels?: Channel[]
    status?: DeliveryStatus
    audience?: DeliveryAudience
    certificateIds?: string[] | null
    at?: DateTime
  } = {}
) {
  const channels = options.channels ?? ['email']
  const at = options.at ?? DateTime.utc()
  const delivery = await Delivery.create({
    organizationId: org.id,
    generationJobId: job.id,
    status: options.status ?? 'sending',
    channels,
    audience: options.audience ?? 'all',
    certificateIds: options.certificateIds ?? null,
    fallbackToEmail: false,
    totalMessages: 0,
    createdAt: at,
    updatedAt: at,
  })
  const recipients = await GenerationJobRecipient.query()
    .where('job_id', job.id)
    .orderBy('position', 'asc')
  const certificates = await Certificate.query()
    .where('generation_job_id', job.id)
    .orderBy('sequence_number', 'asc')
  const messages: DeliveryMessage[] = []
  for (const recipient of recipients) {
    const theirs = certificates.filter((c) => c.generationJobRecipientId === recipient.id)
    if (options.certificateIds && !theirs.some((c) => options.certificateIds!.includes(c.id)))
      continue
    for (const channel of channels)
      messages.push(await givenMessage(delivery, recipient, channel, theirs, { at }))
  }
  delivery.totalMessages = messages.length
  await delivery.save()
  return { delivery, messages, recipients, certificates }
}

export async function givenMessage(
  delivery: Delivery,
  recipient: GenerationJobRecipient,
  channel: Channel,
  certificates: Certificate[],
  options: { at?: DateTime; fallbackOf?: DeliveryMessage } = {}
) {
  const at = options.at ?? DateTime.utc()
  const message = await DeliveryMessage.create({
    organizationId: delivery.organizationId,
    deliveryId: delivery.id,
    generationJobId: delivery.generationJobId,
    recipientId: recipient.id,
    channel,
    status: 'queued',
    toEmail: channel === 'email' ? recipient.recipientEmail : null,
    toPhone: channel === 'whatsapp' ? (recipient.recipientPhone ?? '919800000001') : null,
    integrationId: null,
    provider: channel === 'email' ? 'platform' : 'whatsapp_cloud',
    idempotencyKey: randomUUID(),
    attempts: 0,
    queuedAt: at,
    fallbackOfMessageId: options.fallbackOf?.id ?? null,
    createdAt: at,
    updatedAt: at,
  })
  for (const certificate of certificates)
    await DeliveryMessageItem.create({
      messageId: message.id,
      certificateId: certificate.id,
      fileId: certificate.certificateFileId,
    })
  return message
}

const TIME_OF: Partial<Record<MessageStatus, keyof DeliveryMessage>> = {
  sending: 'sendingAt',
  sent: 'sentAt',
  delivered: 'deliveredAt',
  read: 'readAt',
  failed: 'failedAt',
  suppressed: 'suppressedAt',
}

/** Moves a message along its life, setting each status's timestamp on the way (one second apart). */
export async function advance(
  message: DeliveryMessage,
  to: MessageStatus,
  options: { at?: DateTime; error?: { code: string; message: string } } = {}
) {
  const path: MessageStatus[] =
    to === 'failed'
      ? ['sending', 'failed']
      : to === 'suppressed'
        ? ['suppressed']
        : (['sending', 'sent', 'delivered', 'read'] as MessageStatus[]).slice(
            0,
            ['sending', 'sent', 'delivered', 'read'].indexOf(to) + 1
          )
  let at = options.at ?? message.queuedAt
  for (const status of path) {
    at = at.plus({ seconds: 1 })
    const key = TIME_OF[status]!
    ;(message as unknown as Record<string, unknown>)[key] = at
  }
  message.status = to
  if (to !== 'suppressed' && to !== 'queued') message.attempts = Math.max(1, message.attempts)
  if (to !== 'queued' && to !== 'sending' && to !== 'suppressed' && to !== 'failed')
    message.providerMessageId = message.providerMessageId ?? `wamid.${randomUUID()}`
  if (options.error) {
    message.errorCode = options.error.code
    message.errorMessage = options.error.message
  }
  await message.save()
  return message
}

export function givenAttempt(
  message: DeliveryMessage,
  attempt: number,
  outcome: AttemptOutcome,
  options: { at?: DateTime; error?: { code: string; message: string } } = {}
) {
  const at = options.at ?? message.queuedAt.plus({ seconds: attempt })
  return DeliveryAttempt.create({
    organizationId: message.organizationId,
    messageId: message.id,
    attempt,
    outcome,
    worker: 'test-worker',
    providerMessageId: outcome === 'accepted' ? (message.providerMessageId ?? 'accepted-id') : null,
    errorCode: options.error?.code ?? null,
    errorMessage: options.error?.message ?? null,
    startedAt: at,
    finishedAt: at.plus({ milliseconds: 200 }),
  })
}

export function givenWebhookEvent(
  message: DeliveryMessage,
  eventType: string,
  options: { at?: DateTime; applied?: boolean } = {}
) {
  const at = options.at ?? DateTime.utc()
  return DeliveryProviderWebhookEvent.create({
    organizationId: message.organizationId,
    integrationId: message.integrationId,
    channel: message.channel,
    provider: message.provider,
    providerMessageId: message.providerMessageId,
    messageId: message.id,
    eventType,
    dedupeKey: `${message.id}:${eventType}:${randomUUID()}`,
    payload: { status: eventType },
    occurredAt: at,
    receivedAt: at,
    appliedAt: options.applied === false ? null : at,
  })
}
