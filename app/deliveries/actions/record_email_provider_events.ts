import { createHash } from 'node:crypto'
import db from '@adonisjs/lucid/services/db'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import { DateTime } from 'luxon'
import type DeliveryIntegration from '#deliveries/models/delivery_integration'
import type { SuppressionReason } from '#deliveries/models/delivery_suppression'
import { normalizedAddress } from '#deliveries/services/delivery_status'
import { moveMessageStatus } from '#deliveries/services/message_status_updates'
import {
  markEmailEventApplied,
  storeEmailEventOnce,
  suppressEmailAddress,
} from '#deliveries/services/email_events'
import { PROVIDER_LABELS } from '#deliveries/services/providers'

export type EmailWebhookProvider = 'resend' | 'mailgun'

/** What an email provider's event means for us. */
type Effect = 'delivered' | 'opened' | 'hard_bounce' | 'complaint' | 'unsubscribe' | 'none'

interface EmailEvent {
  /**
   * The event in our words, as the timeline reads it: `delivered`, `bounced`
   * (hard), `soft_bounced`, `deferred`, `complained`, `unsubscribed`, else the
   * provider's name without Resend's `email.` prefix (`opened`, `clicked`, …).
   * The provider's own is in the stored payload.
   */
  eventType: string
  effect: Effect
  providerMessageId: string | null
  address: string | null
  occurredAt: DateTime | null
  /** The provider's code (`550`, `Permanent/General`), for the message's error. */
  code: string | null
  detail: string | null
  dedupeSource: string
}

export interface RecordedEmailEvents {
  stored: number
  duplicates: number
  moved: number
  suppressed: number
}

/**
 * A verified notification from an HTTP email provider (Resend, Mailgun),
 * received on one integration's webhook: stored raw once, then applied to
 * that integration's message it names. A hard bounce fails the message
 * (when it had not been delivered) and puts the address on the org's
 * suppression list; a complaint or an unsubscribe suppresses it too, and
 * `delivered` moves the message forward. An open (Resend's `email.opened`,
 * Mailgun's `opened`: the provider's own tracking image) is treated as our
 * tracking image's (#deliveries/actions/record_email_opens): it moves the
 * message to `read` ("opened") only when the message was sent while the org
 * tracked opens (`tracks_opens`); otherwise it is only stored, like soft
 * bounces and clicks. So an email sent while tracking was off never shows
 * as opened, whatever the provider's account reports. Suppressions apply
 * even when no message matched: the provider's account is the org's, and
 * the address must not be mailed again either way.
 */
export default class RecordEmailProviderEvents {
  static async handle(input: {
    integration: DeliveryIntegration
    provider: EmailWebhookProvider
    payload: unknown
  }): Promise<RecordedEmailEvents> {
    const result: RecordedEmailEvents = { stored: 0, duplicates: 0, moved: 0, suppressed: 0 }
    const event =
      input.provider === 'resend' ? resendEvent(input.payload) : mailgunEvent(input.payload)
    if (!event) return result
    await db.transaction(async (trx) => {
      const stored = await storeEmailEventOnce(trx, {
        organizationId: input.integration.organizationId,
        integrationId: input.integration.id,
        provider: input.provider,
        providerMessageId: event.providerMessageId,
        eventType: event.eventType,
        dedupeKey: `${input.provider}:${createHash('sha256')
          .update(`${input.integration.id}\n${event.dedupeSource}`)
          .digest('hex')}`,
        occurredAt: event.occurredAt,
        payload: input.payload,
      })
      if (stored.duplicate) {
        result.duplicates++
        return
      }
      result.stored++
      const message = await matchingMessage(trx, input.integration, event.providerMessageId)
      const label = PROVIDER_LABELS[input.provider]
      if (event.effect === 'delivered' && message) {
        if (
          await moveMessageStatus(trx, message.id, {
            status: 'delivered',
            at: event.occurredAt ?? DateTime.utc(),
          })
        ) {
          result.moved++
        }
      }
      if (event.effect === 'opened' && message?.tracks_opens) {
        if (
          await moveMessageStatus(trx, message.id, {
            status: 'read',
            at: event.occurredAt ?? DateTime.utc(),
          })
        ) {
          result.moved++
        }
      }
      if (event.effect === 'hard_bounce' && message) {
        const moved = await moveMessageStatus(trx, message.id, {
          status: 'failed',
          at: event.occurredAt ?? DateTime.utc(),
          errorCode: `${input.provider}_bounce${event.code ? `_${event.code}` : ''}`.slice(0, 64),
          errorMessage: `The recipient’s mail server refused ${event.address ?? 'the address'} for good (a hard bounce reported by ${label})${event.detail ? `: ${event.detail}` : '.'} It will not be mailed again.`,
        })
        if (moved) result.moved++
      }
      const reason = SUPPRESSING[event.effect]
      if (reason && event.address) {
        if (
          await suppressEmailAddress(trx, input.integration.organizationId, {
            address: event.address,
            reason,
            detail: `${label}: ${event.eventType}${event.detail ? ` — ${event.detail}` : ''}`,
            messageId: message?.id ?? null,
          })
        ) {
          result.suppressed++
        }
      }
      await markEmailEventApplied(trx, stored.id, message?.id ?? null)
    })
    return result
  }
}

const SUPPRESSING: Partial<Record<Effect, SuppressionReason>> = {
  hard_bounce: 'hard_bounce',
  complaint: 'complaint',
  unsubscribe: 'unsubscribe',
}

/**
 * Resend's event (`{ type, created_at, data: { email_id, to: [...], bounce? } }`).
 * `email.bounced` with `bounce.type` Permanent is a hard bounce; Transient
 * and Undetermined are soft.
 */
function resendEvent(payload: unknown): EmailEvent | null {
  if (!isRecord(payload) || typeof payload.type !== 'string' || !isRecord(payload.data)) {
    return null
  }
  const data = payload.data
  const bounce = isRecord(data.bounce) ? data.bounce : null
  const permanent = bounce?.type === 'Permanent'
  const effect: Effect =
    payload.type === 'email.delivered'
      ? 'delivered'
      : payload.type === 'email.opened'
        ? 'opened'
        : payload.type === 'email.bounced' && permanent
          ? 'hard_bounce'
          : payload.type === 'email.complained'
            ? 'complaint'
            : 'none'
  const to = Array.isArray(data.to) ? data.to.find((item) => typeof item === 'string') : data.to
  const createdAt = typeof payload.created_at === 'string' ? payload.created_at : null
  const emailId = typeof data.email_id === 'string' ? data.email_id : null
  const bare = payload.type.replace(/^email\./, '')
  return {
    eventType: (effect === 'hard_bounce'
      ? 'bounced'
      : bare === 'bounced'
        ? 'soft_bounced'
        : bare
    ).slice(0, 64),
    effect,
    providerMessageId: emailId,
    address: typeof to === 'string' ? addressOf(to) : null,
    occurredAt: createdAt ? validOrNull(DateTime.fromISO(createdAt, { zone: 'utc' })) : null,
    code: bounce ? [bounce.type, bounce.subType].filter(Boolean).join('/') || null : null,
    detail: typeof bounce?.message === 'string' ? bounce.message.slice(0, 500) : null,
    dedupeSource: `${emailId}\n${payload.type}\n${createdAt}`,
  }
}

/**
 * Mailgun's event (`{ signature, "event-data": { event, severity?, recipient,
 * id, timestamp, message: { headers: { "message-id" } }, delivery-status } }`).
 * `failed` with severity permanent is a hard bounce; `complained` and
 * `unsubscribed` suppress.
 */
function mailgunEvent(payload: unknown): EmailEvent | null {
  if (!isRecord(payload) || !isRecord(payload['event-data'])) return null
  const data = payload['event-data']
  if (typeof data.event !== 'string') return null
  const status = isRecord(data['delivery-status']) ? data['delivery-status'] : {}
  const headers =
    isRecord(data.message) && isRecord(data.message.headers) ? data.message.headers : {}
  const messageId = typeof headers['message-id'] === 'string' ? headers['message-id'] : null
  const effect: Effect =
    data.event === 'delivered'
      ? 'delivered'
      : data.event === 'opened'
        ? 'opened'
        : data.event === 'failed' && data.severity === 'permanent'
          ? 'hard_bounce'
          : data.event === 'complained'
            ? 'complaint'
            : data.event === 'unsubscribed'
              ? 'unsubscribe'
              : 'none'
  const seconds = typeof data.timestamp === 'number' ? data.timestamp : Number(data.timestamp)
  const detail = [status.description, status.message, data.reason].find(
    (text): text is string => typeof text === 'string' && text !== ''
  )
  return {
    eventType: (effect === 'hard_bounce'
      ? 'bounced'
      : data.event === 'failed'
        ? 'deferred'
        : data.event
    ).slice(0, 64),
    effect,
    providerMessageId: messageId,
    address: typeof data.recipient === 'string' ? addressOf(data.recipient) : null,
    occurredAt: Number.isFinite(seconds) ? DateTime.fromSeconds(seconds, { zone: 'utc' }) : null,
    code: status.code === undefined || status.code === null ? null : String(status.code),
    detail: detail ? detail.slice(0, 500) : null,
    dedupeSource:
      typeof data.id === 'string' ? data.id : `${messageId}\n${data.event}\n${data.timestamp}`,
  }
}

/** `Name <a@b>` or `a@b`, normalized as the suppression list keeps it. */
function addressOf(value: string) {
  const bracketed = /<([^>]+)>/.exec(value)?.[1] ?? value
  const address = normalizedAddress('email', bracketed)
  return address.includes('@') ? address.slice(0, 320) : null
}

/** This integration's email with that provider id (Mailgun's with or without its angle brackets). */
async function matchingMessage(
  trx: TransactionClientContract,
  integration: DeliveryIntegration,
  providerMessageId: string | null
): Promise<{ id: string; tracks_opens: unknown } | null> {
  if (!providerMessageId) return null
  const bare = providerMessageId.replace(/^<|>$/g, '')
  return (
    (await trx
      .from('delivery_messages')
      .select('id', 'tracks_opens')
      .where('organization_id', integration.organizationId)
      .where('integration_id', integration.id)
      .where('channel', 'email')
      .whereIn('provider_message_id', [bare, `<${bare}>`])
      .first()) ?? null
  )
}

function validOrNull(value: DateTime) {
  return value.isValid ? value : null
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
