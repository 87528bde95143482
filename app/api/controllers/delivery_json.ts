import type { DateTime } from 'luxon'
import type Delivery from '#deliveries/models/delivery'
import type { DeliveryCounts } from '#deliveries/queries/delivery_counts'
import type { MessageDetails } from '#deliveries/queries/delivery_message_details'

const iso = (at: DateTime | null | undefined) => (at ? at.toUTC().toISO() : null)

/**
 * A delivery as the API sends it (API.md "Deliveries": `GET /deliveries/:id`),
 * plus what was asked (channels, audience, picked certificates, fallback)
 * and when it was cancelled.
 */
export function deliveryJson(delivery: Delivery, counts: DeliveryCounts) {
  return {
    id: delivery.id,
    generation_job_id: delivery.generationJobId,
    status: delivery.status,
    total_messages: delivery.totalMessages,
    counts: counts.counts,
    by_channel: counts.byChannel,
    channels: delivery.channels,
    audience: delivery.audience,
    certificate_ids: delivery.certificateIds ?? [],
    fallback_to_email: delivery.fallbackToEmail,
    /** Per channel, recipients given no message for lack of that channel's address. */
    missing_addresses: delivery.missingAddresses ?? {},
    created_at: iso(delivery.createdAt),
    finished_at: iso(delivery.finishedAt),
    cancelled_at: iso(delivery.cancelledAt),
  }
}

/**
 * A message as the API sends it (`GET /deliveries/:id/messages`, `POST
 * /certificates/:id/delivery`); `last_error` only when there is one.
 */
export function deliveryMessageJson({
  message,
  certificateIds,
  lastError,
  events,
}: MessageDetails) {
  return {
    id: message.id,
    delivery_id: message.deliveryId,
    recipient_id: message.recipientId,
    channel: message.channel,
    to: message.channel === 'email' ? message.toEmail : message.toPhone,
    status: message.status,
    provider: message.provider,
    provider_message_id: message.providerMessageId,
    attempts: message.attempts,
    ...(lastError ? { last_error: lastError } : {}),
    certificate_ids: certificateIds,
    events: events.map((event) => ({ status: event.status, at: iso(event.at) })),
    fallback_of_message_id: message.fallbackOfMessageId,
    next_attempt_at: iso(message.nextAttemptAt),
    created_at: iso(message.createdAt),
  }
}
