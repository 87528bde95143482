import type { DateTime } from 'luxon'
import DeliveryMessage from '#deliveries/models/delivery_message'
import DeliveryMessageItem from '#deliveries/models/delivery_message_item'
import DeliveryAttempt from '#deliveries/models/delivery_attempt'
import DeliveryProviderWebhookEvent from '#deliveries/models/delivery_provider_webhook_event'
import type Delivery from '#deliveries/models/delivery'
import { MESSAGE_STATUSES, type MessageStatus } from '#deliveries/services/delivery_status'
import type { Channel } from '#deliveries/services/providers'

export interface MessageEvent {
  status: MessageStatus
  at: DateTime
}

export interface MessageDetails {
  message: DeliveryMessage
  certificateIds: string[]
  lastError: { code: string; message: string } | null
  /** Each status the message reached, with when; oldest first. */
  events: MessageEvent[]
}

export interface MessageFilters {
  status?: MessageStatus
  channel?: Channel
}

/** The timestamp of each status on the message row. */
const STATUS_TIMES: [MessageStatus, keyof DeliveryMessage][] = [
  ['queued', 'queuedAt'],
  ['sending', 'sendingAt'],
  ['sent', 'sentAt'],
  ['delivered', 'deliveredAt'],
  ['read', 'readAt'],
  ['failed', 'failedAt'],
  ['suppressed', 'suppressedAt'],
]

/** A provider's event name as a message status (`bounced` → failed), or null when it names none. */
export function statusOfEvent(eventType: string): MessageStatus | null {
  const type = eventType.toLowerCase()
  if ((MESSAGE_STATUSES as readonly string[]).includes(type)) return type as MessageStatus
  if (type === 'bounced' || type === 'bounce' || type === 'dropped') return 'failed'
  if (type === 'accepted') return 'sent'
  return null
}

/**
 * The statuses a message went through: each status timestamp of its row,
 * plus a status a provider reported that the row skipped (a `delivered`
 * arriving after `read` moves nothing, but it did happen). One event per
 * status, in time order.
 */
export function messageEvents(
  message: DeliveryMessage,
  webhooks: DeliveryProviderWebhookEvent[]
): MessageEvent[] {
  const events = new Map<MessageStatus, DateTime>()
  for (const [status, key] of STATUS_TIMES) {
    const at = message[key] as DateTime | null
    if (at) events.set(status, at)
  }
  for (const webhook of webhooks) {
    const status = statusOfEvent(webhook.eventType)
    const at = webhook.occurredAt ?? webhook.receivedAt
    if (!status || events.has(status)) continue
    // A failure reported after the message arrived changed nothing: it is not part of its life.
    if (status === 'failed' && !message.failedAt) continue
    events.set(status, at)
  }
  return [...events.entries()]
    .map(([status, at]) => ({ status, at }))
    .sort(
      (a, b) =>
        a.at.toMillis() - b.at.toMillis() ||
        MESSAGE_STATUSES.indexOf(a.status) - MESSAGE_STATUSES.indexOf(b.status)
    )
}

/** A delivery's messages, newest first (id breaking ties), optionally of one status and channel. */
export function messagesOfDelivery(delivery: Delivery, filters: MessageFilters = {}) {
  const query = DeliveryMessage.query()
    .where('organization_id', delivery.organizationId)
    .where('delivery_id', delivery.id)
  if (filters.status) query.where('status', filters.status)
  if (filters.channel) query.where('channel', filters.channel)
  return query.orderBy('created_at', 'desc').orderBy('id', 'desc')
}

/**
 * What the API and the panel show of each message: the certificates it
 * carries, its last error (the message's own, else the newest failed
 * attempt's while it is being retried) and its events. Three queries for
 * any number of messages.
 */
export async function messageDetails(messages: DeliveryMessage[]): Promise<MessageDetails[]> {
  if (messages.length === 0) return []
  const ids = messages.map((message) => message.id)
  // One after the other: a request inside a transaction has one connection.
  const items = await DeliveryMessageItem.query()
    .whereIn('message_id', ids)
    .whereNotNull('certificate_id')
    .orderBy('created_at', 'asc')
    .orderBy('id', 'asc')
  const attempts = await DeliveryAttempt.query()
    .whereIn('message_id', ids)
    .whereNotNull('error_code')
    .orderBy('attempt', 'desc')
  const webhooks = await DeliveryProviderWebhookEvent.query()
    .whereIn('message_id', ids)
    .orderBy('received_at', 'asc')
  const certificates = groupBy(items, (item) => item.messageId)
  const failedAttempts = groupBy(attempts, (attempt) => attempt.messageId)
  const events = groupBy(webhooks, (webhook) => webhook.messageId!)
  return messages.map((message) => {
    const attempt = failedAttempts.get(message.id)?.[0]
    const lastError = message.errorCode
      ? { code: message.errorCode, message: message.errorMessage ?? message.errorCode }
      : attempt && (message.status === 'queued' || message.status === 'sending')
        ? { code: attempt.errorCode!, message: attempt.errorMessage ?? attempt.errorCode! }
        : null
    return {
      message,
      certificateIds: (certificates.get(message.id) ?? []).map((item) => item.certificateId!),
      lastError,
      events: messageEvents(message, events.get(message.id) ?? []),
    }
  })
}

function groupBy<T>(rows: T[], key: (row: T) => string) {
  const out = new Map<string, T[]>()
  for (const row of rows) {
    const k = key(row)
    const list = out.get(k)
    if (list) list.push(row)
    else out.set(k, [row])
  }
  return out
}
