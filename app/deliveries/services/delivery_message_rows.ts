import { createHash } from 'node:crypto'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import { DateTime } from 'luxon'
import { v7 as uuidv7 } from 'uuid'
import { bulkInsert } from '#core/services/bulk_insert'
import { dbTimestamp } from '#core/services/database_time'
import DeliveryIntegration from '#deliveries/models/delivery_integration'
import { addressOf, type AudienceRecipient } from '#deliveries/queries/delivery_audience'
import type { MessageProvider } from '#deliveries/services/delivery_status'
import type { Channel } from '#deliveries/services/providers'

/** A message just queued, as `enqueueSends` groups it. */
export interface QueuedMessage {
  id: string
  deliveryId: string
  integrationId: string | null
  provider: MessageProvider
}

/**
 * Writing a delivery's messages: whose sender each channel uses, their rows
 * and items in a few statements (StartDelivery, and the fallback email the
 * send worker adds when a WhatsApp message fails for good).
 */
/** The sender of a channel: an org's integration, or the platform's own (email only). */
export type ChannelSender =
  { kind: 'integration'; integration: DeliveryIntegration } | { kind: 'platform' }

/**
 * The sender a new delivery on `channel` uses: the org's default
 * integration when active (else its oldest active one), the platform's own
 * for email when the org has none; null for WhatsApp without one.
 */
export async function channelSender(
  client: TransactionClientContract | undefined,
  organizationId: string,
  channel: Channel
): Promise<ChannelSender | null> {
  const integration = await DeliveryIntegration.query(client ? { client } : {})
    .where('organization_id', organizationId)
    .where('channel', channel)
    .where('is_active', true)
    .whereNull('deleted_at')
    .orderBy('is_default', 'desc')
    .orderBy('created_at', 'asc')
    .first()
  if (integration) return { kind: 'integration', integration }
  return channel === 'email' ? { kind: 'platform' } : null
}

/** What a recipient's message is keyed by at its provider: the same for every attempt. */
export function idempotencyKey(deliveryId: string, recipientId: string, channel: Channel) {
  return createHash('sha256').update(`${deliveryId}:${recipientId}:${channel}`).digest('hex')
}

const MESSAGE_COLUMNS = [
  { name: 'id', pg: 'uuid' },
  { name: 'organization_id', pg: 'uuid' },
  { name: 'delivery_id', pg: 'uuid' },
  { name: 'generation_job_id', pg: 'uuid' },
  { name: 'recipient_id', pg: 'uuid' },
  { name: 'channel', pg: 'text' },
  { name: 'status', pg: 'text' },
  { name: 'to_email', pg: 'text' },
  { name: 'to_phone', pg: 'text' },
  { name: 'integration_id', pg: 'uuid' },
  { name: 'provider', pg: 'text' },
  { name: 'idempotency_key', pg: 'text' },
  { name: 'attempts', pg: 'int' },
  { name: 'queued_at', pg: 'timestamptz' },
  { name: 'suppressed_at', pg: 'timestamptz' },
  { name: 'error_code', pg: 'text' },
  { name: 'error_message', pg: 'text' },
  { name: 'fallback_of_message_id', pg: 'uuid' },
  { name: 'created_at', pg: 'timestamptz' },
  { name: 'updated_at', pg: 'timestamptz' },
] as const

const ITEM_COLUMNS = [
  { name: 'id', pg: 'uuid' },
  { name: 'message_id', pg: 'uuid' },
  { name: 'certificate_id', pg: 'uuid' },
  { name: 'file_id', pg: 'uuid' },
  { name: 'created_at', pg: 'timestamptz' },
] as const

export interface NewMessage {
  organizationId: string
  deliveryId: string
  generationJobId: string
  recipient: AudienceRecipient
  channel: Channel
  sender: ChannelSender
  suppressed: boolean
  fallbackOfMessageId?: string | null
}

/**
 * Inserts messages with their items in a few statements, in the caller's
 * transaction; returns the queued ones (not suppressed) for `enqueueSends`.
 */
export async function insertMessages(
  trx: TransactionClientContract,
  messages: NewMessage[]
): Promise<QueuedMessage[]> {
  const stamp = dbTimestamp(trx, DateTime.utc())
  const rows: Record<string, unknown>[] = []
  const items: Record<string, unknown>[] = []
  const queued: QueuedMessage[] = []
  for (const message of messages) {
    const id = uuidv7()
    const address = addressOf(message.recipient, message.channel)!
    const provider: MessageProvider =
      message.sender.kind === 'platform' ? 'platform' : message.sender.integration.provider
    const integrationId = message.sender.kind === 'platform' ? null : message.sender.integration.id
    rows.push({
      id,
      organization_id: message.organizationId,
      delivery_id: message.deliveryId,
      generation_job_id: message.generationJobId,
      recipient_id: message.recipient.recipientId,
      channel: message.channel,
      status: message.suppressed ? 'suppressed' : 'queued',
      to_email: message.channel === 'email' ? address : null,
      to_phone: message.channel === 'whatsapp' ? address : null,
      integration_id: integrationId,
      provider,
      idempotency_key: idempotencyKey(
        message.deliveryId,
        message.recipient.recipientId,
        message.channel
      ),
      attempts: 0,
      queued_at: stamp,
      suppressed_at: message.suppressed ? stamp : null,
      error_code: message.suppressed ? 'suppressed' : null,
      error_message: message.suppressed
        ? `${address} is on the organization's suppression list for ${message.channel === 'email' ? 'email' : 'WhatsApp'}.`
        : null,
      fallback_of_message_id: message.fallbackOfMessageId ?? null,
      created_at: stamp,
      updated_at: stamp,
    })
    for (const certificate of message.recipient.certificates) {
      items.push({
        id: uuidv7(),
        message_id: id,
        certificate_id: certificate.id,
        file_id: certificate.fileId,
        created_at: stamp,
      })
    }
    if (!message.suppressed) {
      queued.push({ id, deliveryId: message.deliveryId, integrationId, provider })
    }
  }
  await bulkInsert(trx, 'delivery_messages', [...MESSAGE_COLUMNS], rows)
  await bulkInsert(trx, 'delivery_message_items', [...ITEM_COLUMNS], items)
  return queued
}
