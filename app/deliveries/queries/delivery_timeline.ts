import type { DateTime } from 'luxon'
import type Organization from '#orgs/models/organization'
import { recordId } from '#orgs/queries/record_id'
import DeliveryMessage from '#deliveries/models/delivery_message'
import DeliveryAttempt from '#deliveries/models/delivery_attempt'
import DeliveryProviderWebhookEvent from '#deliveries/models/delivery_provider_webhook_event'
import type { AttemptOutcome } from '#deliveries/models/delivery_attempt'
import type { MessageStatus } from '#deliveries/services/delivery_status'
import type { Channel } from '#deliveries/services/providers'

export type TimelineEntry =
  | { kind: 'queued'; at: DateTime; message: DeliveryMessage }
  | { kind: 'attempt'; at: DateTime; message: DeliveryMessage; attempt: DeliveryAttempt }
  | { kind: 'webhook'; at: DateTime; message: DeliveryMessage; event: DeliveryProviderWebhookEvent }
  | {
      kind: 'status'
      at: DateTime
      message: DeliveryMessage
      status: Exclude<MessageStatus, 'queued' | 'sending'>
    }
  | { kind: 'fallback'; at: DateTime; message: DeliveryMessage; fallback: DeliveryMessage }

export interface Timeline {
  messages: DeliveryMessage[]
  /** Every step of every message, oldest first. */
  entries: TimelineEntry[]
}

const STATUS_KEYS: [Exclude<MessageStatus, 'queued' | 'sending'>, keyof DeliveryMessage][] = [
  ['sent', 'sentAt'],
  ['delivered', 'deliveredAt'],
  ['read', 'readAt'],
  ['failed', 'failedAt'],
  ['suppressed', 'suppressedAt'],
]

/** The rank of each kind at the same instant: queued, then the try, then what it led to. */
const KIND_ORDER: Record<TimelineEntry['kind'], number> = {
  queued: 0,
  attempt: 1,
  status: 2,
  webhook: 3,
  fallback: 4,
}

/**
 * One timeline across channels for the messages given, plus the email
 * fallbacks sent for them: every message queued, every attempt with its
 * outcome, every provider notification, each status reached and each
 * fallback to email, with times.
 */
async function timelineOf(organizationId: string, found: DeliveryMessage[]): Promise<Timeline> {
  const ids = new Set(found.map((message) => message.id))
  const fallbacks =
    ids.size === 0
      ? []
      : await DeliveryMessage.query()
          .where('organization_id', organizationId)
          .whereIn('fallback_of_message_id', [...ids])
  const messages = [...found, ...fallbacks.filter((message) => !ids.has(message.id))]
  if (messages.length === 0) return { messages: [], entries: [] }
  const allIds = messages.map((message) => message.id)
  const attempts = await DeliveryAttempt.query()
    .where('organization_id', organizationId)
    .whereIn('message_id', allIds)
    .orderBy('attempt', 'asc')
  const webhooks = await DeliveryProviderWebhookEvent.query()
    .where('organization_id', organizationId)
    .whereIn('message_id', allIds)
    .orderBy('received_at', 'asc')
  const byId = new Map(messages.map((message) => [message.id, message]))
  // A status a provider's notification reported is shown once: as that notification, with the
  // provider's time, not again as the status it set.
  // An email's `opened` (our tracking image's or the provider's) is its `read`.
  const reported = new Set(
    webhooks.map(
      (event) =>
        `${event.messageId}\n${event.channel === 'email' && event.eventType === 'opened' ? 'read' : event.eventType}`
    )
  )
  const entries: TimelineEntry[] = []
  for (const message of messages) {
    entries.push({ kind: 'queued', at: message.queuedAt, message })
    for (const [status, key] of STATUS_KEYS) {
      const at = message[key] as DateTime | null
      if (at && !reported.has(`${message.id}\n${status}`))
        entries.push({ kind: 'status', at, message, status })
    }
    const original = message.fallbackOfMessageId ? byId.get(message.fallbackOfMessageId) : null
    if (original)
      entries.push({ kind: 'fallback', at: message.queuedAt, message: original, fallback: message })
  }
  for (const attempt of attempts)
    entries.push({
      kind: 'attempt',
      at: attempt.startedAt,
      message: byId.get(attempt.messageId)!,
      attempt,
    })
  for (const event of webhooks)
    entries.push({
      kind: 'webhook',
      at: event.occurredAt ?? event.receivedAt,
      message: byId.get(event.messageId!)!,
      event,
    })
  // Times are whole seconds on SQLite: within one, causes first (a message before the fallback
  // email it led to, a try before what it led to).
  const causeRank = (entry: TimelineEntry) =>
    entry.message.fallbackOfMessageId ? 2 : entry.kind === 'fallback' ? 1 : 0
  entries.sort(
    (a, b) =>
      a.at.toMillis() - b.at.toMillis() ||
      causeRank(a) - causeRank(b) ||
      KIND_ORDER[a.kind] - KIND_ORDER[b.kind]
  )
  messages.sort((a, b) => a.queuedAt.toMillis() - b.queuedAt.toMillis())
  return { messages, entries }
}

/** Every message that carried this certificate (and the fallbacks sent for them), in one timeline. */
export async function certificateTimeline(org: Organization, certificateId: unknown) {
  const messages = await DeliveryMessage.query()
    .where('organization_id', org.id)
    .whereIn('id', (items) =>
      items
        .from('delivery_message_items')
        .where('certificate_id', recordId(certificateId))
        .select('message_id')
    )
  return timelineOf(org.id, messages)
}

/** Every message to one of a job's recipients, on every channel and delivery, in one timeline. */
export async function recipientTimeline(org: Organization, recipientId: unknown) {
  const messages = await DeliveryMessage.query()
    .where('organization_id', org.id)
    .where('recipient_id', recordId(recipientId))
  return timelineOf(org.id, messages)
}

/** The words for an attempt's outcome on a timeline. */
export const ATTEMPT_WORDS: Record<AttemptOutcome, string> = {
  sending: 'Handing to the provider',
  accepted: 'Accepted by the provider',
  transient: 'Temporary error, will retry',
  permanent: 'Refused for good',
  account: 'The account cannot send: integration paused',
}

export const CHANNEL_WORDS: Record<Channel, string> = { email: 'Email', whatsapp: 'WhatsApp' }
