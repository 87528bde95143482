import { createHash } from 'node:crypto'
import db from '@adonisjs/lucid/services/db'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import { DateTime } from 'luxon'
import { dbTimestamp } from '#core/services/database_time'
import type DeliveryIntegration from '#deliveries/models/delivery_integration'
import type DeliveryMessage from '#deliveries/models/delivery_message'
import type { SuppressionReason } from '#deliveries/models/delivery_suppression'
import { normalizedAddress } from '#deliveries/services/delivery_status'
import { moveMessageStatus } from '#deliveries/services/message_status_updates'
import {
  markEmailEventApplied,
  storeEmailEventOnce,
  suppressEmailAddress,
} from '#deliveries/services/email_events'
import { PROVIDER_LABELS } from '#deliveries/services/providers'

export type EmailWebhookProvider = 'resend' | 'mailgun' | 'sendgrid' | 'brevo'

/**
 * What an email provider's event means for us. `dropped`: the provider will
 * never send this message (SendGrid's dropped and blocked, Brevo's blocked),
 * so it fails, and the address is suppressed only when the event says why
 * (`suppression`: it was on a bounce, unsubscribe or spam list of the provider).
 */
type Effect =
  'delivered' | 'opened' | 'hard_bounce' | 'complaint' | 'unsubscribe' | 'dropped' | 'none'

interface EmailEvent {
  /**
   * The event in our words, as the timeline reads it: `delivered`, `bounced`
   * (hard), `soft_bounced`, `deferred`, `complained`, `unsubscribed`,
   * `opened`, `clicked`, else the provider's name without Resend's `email.`
   * prefix. The provider's own is in the stored payload.
   */
  eventType: string
  effect: Effect
  /** `dropped`: the list the provider found the address on, when it named one. */
  suppression?: SuppressionReason | null
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

const EVENTS = 'delivery_provider_webhook_events'

/**
 * A verified notification from an HTTP email provider (Resend, Mailgun and
 * Brevo post one event, SendGrid an array of them; Brevo's batched webhook
 * an array too), received on one integration's webhook: each event stored
 * raw once, then applied to that integration's message it names, all in one
 * transaction. A hard bounce fails the message (when it had not been
 * delivered) and puts the address on the org's suppression list; a
 * complaint or an unsubscribe suppresses it too, and `delivered` moves the
 * message forward. A message the provider dropped fails. An open (the
 * provider's own tracking image) is treated as our tracking image's
 * (#deliveries/actions/record_email_opens): it moves the message to `read`
 * ("opened") only when the message was sent while the org tracked opens
 * (`tracks_opens`), so an email sent while tracking was off never shows as
 * opened, whatever the provider's account reports. Soft bounces,
 * deferrals and clicks are only stored. Suppressions apply even when
 * no message matched: the provider's account is the org's, and the address
 * must not be mailed again either way. Events it cannot read are skipped.
 */
export default class RecordEmailProviderEvents {
  static async handle(input: {
    integration: DeliveryIntegration
    provider: EmailWebhookProvider
    payload: unknown
  }): Promise<RecordedEmailEvents> {
    const result: RecordedEmailEvents = { stored: 0, duplicates: 0, moved: 0, suppressed: 0 }
    const events = eventsOf(input.provider, input.payload)
    if (events.length === 0) return result
    await db.transaction(async (trx) => {
      for (const { event, raw } of events) {
        await apply(trx, input.integration, input.provider, event, raw, result)
      }
    })
    return result
  }
}

/** Each event of a posted body with the part of it that is stored raw. */
function eventsOf(
  provider: EmailWebhookProvider,
  payload: unknown
): { event: EmailEvent; raw: unknown }[] {
  const one = (read: (item: unknown) => EmailEvent | null, item: unknown) => {
    const event = read(item)
    return event ? [{ event, raw: item }] : []
  }
  switch (provider) {
    case 'resend':
      return one(resendEvent, payload)
    case 'mailgun':
      return one(mailgunEvent, payload)
    case 'sendgrid':
      return Array.isArray(payload) ? payload.flatMap((item) => one(sendgridEvent, item)) : []
    case 'brevo':
      return Array.isArray(payload)
        ? payload.flatMap((item) => one(brevoEvent, item))
        : one(brevoEvent, payload)
  }
}

async function apply(
  trx: TransactionClientContract,
  integration: DeliveryIntegration,
  provider: EmailWebhookProvider,
  event: EmailEvent,
  raw: unknown,
  result: RecordedEmailEvents
) {
  const stored = await storeEmailEventOnce(trx, {
    organizationId: integration.organizationId,
    integrationId: integration.id,
    provider,
    providerMessageId: event.providerMessageId
      ? matchKeyOf(provider, event.providerMessageId)
      : null,
    eventType: event.eventType,
    dedupeKey: `${provider}:${createHash('sha256')
      .update(`${integration.id}\n${event.dedupeSource}`)
      .digest('hex')}`,
    occurredAt: event.occurredAt,
    payload: raw,
  })
  if (stored.duplicate) {
    result.duplicates++
    return
  }
  result.stored++
  const message = await matchingMessage(trx, integration, provider, event.providerMessageId)
  const label = PROVIDER_LABELS[provider]
  if (message && (await moveForEvent(trx, provider, message, event))) result.moved++
  const reason = event.effect === 'dropped' ? event.suppression : SUPPRESSING[event.effect]
  if (reason && event.address) {
    if (
      await suppressEmailAddress(trx, integration.organizationId, {
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
}

/**
 * Moves the message as the event says (delivered; read when opened and the message tracks opens; failed by a
 * hard bounce or a drop); whether it moved.
 */
function moveForEvent(
  trx: TransactionClientContract,
  provider: EmailWebhookProvider,
  message: { id: string; tracksOpens: boolean },
  event: EmailEvent
) {
  const messageId = message.id
  const label = PROVIDER_LABELS[provider]
  const at = event.occurredAt ?? DateTime.utc()
  const to = event.address ?? 'the address'
  switch (event.effect) {
    case 'delivered':
      return moveMessageStatus(trx, messageId, { status: 'delivered', at })
    case 'opened':
      return message.tracksOpens
        ? moveMessageStatus(trx, messageId, { status: 'read', at })
        : Promise.resolve(false)
    case 'hard_bounce':
      return moveMessageStatus(trx, messageId, {
        status: 'failed',
        at,
        errorCode: `${provider}_bounce${event.code ? `_${event.code}` : ''}`.slice(0, 64),
        errorMessage: `The recipient’s mail server refused ${to} for good (a hard bounce reported by ${label})${event.detail ? `: ${event.detail}` : '.'} It will not be mailed again.`,
      })
    case 'dropped':
      return moveMessageStatus(trx, messageId, {
        status: 'failed',
        at,
        errorCode: `${provider}_${event.eventType}`.slice(0, 64),
        errorMessage: `${label} did not deliver this message to ${to} (${event.eventType})${event.detail ? `: ${event.detail}` : '.'}`,
      })
    default:
      return Promise.resolve(false)
  }
}

/**
 * The events of HTTP email providers that came before the message's provider
 * id was stored (a fast webhook racing the send worker's commit) apply now:
 * called with the accepted messages in the transaction that stores their ids.
 * Their suppressions were made when they came; they now name the message.
 */
export async function applyWaitingEmailEventsOf(
  messages: DeliveryMessage[],
  trx: TransactionClientContract
) {
  const known = messages.filter((m) => m.integrationId && m.providerMessageId)
  if (known.length === 0) return 0
  const byKey = new Map(
    known.map((m) => [
      `${m.integrationId}\n${matchKeyOf(m.provider as EmailWebhookProvider, m.providerMessageId!)}`,
      m,
    ])
  )
  const waiting: {
    id: string
    payload: unknown
    integration_id: string
    provider: string
    provider_message_id: string
  }[] = await trx
    .from(EVENTS)
    .select('id', 'payload', 'integration_id', 'provider', 'provider_message_id')
    .where('channel', 'email')
    .whereIn('provider', [...new Set(known.map((m) => m.provider))])
    .whereIn('integration_id', [...new Set(known.map((m) => m.integrationId!))])
    .whereIn('provider_message_id', [
      ...new Set([...byKey.keys()].map((key) => key.split('\n')[1])),
    ])
    .whereNull('applied_at')
  let moved = 0
  for (const row of waiting) {
    const message = byKey.get(`${row.integration_id}\n${row.provider_message_id}`)
    if (!message) continue
    const provider = row.provider as EmailWebhookProvider
    const payload = typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload
    const event = PARSERS[provider](payload)
    if (!event) continue
    const tracksOpens = Boolean(message.tracksOpens)
    if (await moveForEvent(trx, provider, { id: message.id, tracksOpens }, event)) moved++
    const reason = event.effect === 'dropped' ? event.suppression : SUPPRESSING[event.effect]
    if (reason && event.address) {
      // The suppression it made then names no message: it does now.
      await trx
        .from('delivery_suppressions')
        .where('organization_id', message.organizationId)
        .where('channel', 'email')
        .where('address', event.address)
        .whereNull('message_id')
        .update({ message_id: message.id })
    }
    await trx
      .from(EVENTS)
      .where('id', row.id)
      .update({ message_id: message.id, applied_at: dbTimestamp(trx) })
  }
  return moved
}

/**
 * The form of a provider's message id that its send answer and its events share:
 * SendGrid's part before the first `.` (its events add `.filter…`), the others' without angle brackets.
 */
function matchKeyOf(provider: EmailWebhookProvider, providerMessageId: string) {
  return (
    provider === 'sendgrid'
      ? providerMessageId.split('.')[0]
      : providerMessageId.replace(/^<|>$/g, '')
  ).slice(0, 256)
}

/** Each provider's reading of one stored event. */
const PARSERS: Record<EmailWebhookProvider, (item: unknown) => EmailEvent | null> = {
  resend: (item) => resendEvent(item),
  mailgun: (item) => mailgunEvent(item),
  sendgrid: (item) => sendgridEvent(item),
  brevo: (item) => brevoEvent(item),
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
      : payload.type === 'email.bounced' && permanent
        ? 'hard_bounce'
        : payload.type === 'email.complained'
          ? 'complaint'
          : payload.type === 'email.opened'
            ? 'opened'
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
      : data.event === 'failed' && data.severity === 'permanent'
        ? 'hard_bounce'
        : data.event === 'complained'
          ? 'complaint'
          : data.event === 'unsubscribed'
            ? 'unsubscribe'
            : data.event === 'opened'
              ? 'opened'
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

/**
 * SendGrid's Event Webhook event (one element of the posted array:
 * `{ email, timestamp, event, sg_event_id, sg_message_id, reason?, status?,
 * type? }`). `bounce` of type `bounce` is a hard bounce; of type `blocked`
 * (the receiving server refused this message, not the address) and
 * `dropped` the message fails, the address suppressed only when SendGrid
 * dropped it for being on one of its lists. `sg_message_id` is the send's
 * `X-Message-Id` followed by `.filter…`; its event id dedupes.
 */
function sendgridEvent(item: unknown): EmailEvent | null {
  if (!isRecord(item) || typeof item.event !== 'string') return null
  const kind = item.event
  const bounceType = typeof item.type === 'string' ? item.type : 'bounce'
  const reason = typeof item.reason === 'string' && item.reason !== '' ? item.reason : null
  const effect: Effect =
    kind === 'delivered'
      ? 'delivered'
      : kind === 'bounce'
        ? bounceType === 'blocked'
          ? 'dropped'
          : 'hard_bounce'
        : kind === 'dropped'
          ? 'dropped'
          : kind === 'spamreport'
            ? 'complaint'
            : kind === 'unsubscribe' || kind === 'group_unsubscribe'
              ? 'unsubscribe'
              : kind === 'open'
                ? 'opened'
                : 'none'
  const eventType =
    kind === 'bounce'
      ? bounceType === 'blocked'
        ? 'blocked'
        : 'bounced'
      : (SENDGRID_WORDS[kind] ?? kind)
  const seconds = typeof item.timestamp === 'number' ? item.timestamp : Number(item.timestamp)
  const messageId = typeof item.sg_message_id === 'string' ? item.sg_message_id : null
  const status = typeof item.status === 'string' && item.status !== '' ? item.status : null
  return {
    eventType: eventType.slice(0, 64),
    effect,
    suppression: kind === 'dropped' ? droppedFrom(reason) : null,
    providerMessageId: messageId,
    address: typeof item.email === 'string' ? addressOf(item.email) : null,
    occurredAt: Number.isFinite(seconds) ? DateTime.fromSeconds(seconds, { zone: 'utc' }) : null,
    code: status,
    detail: reason ? reason.slice(0, 500) : null,
    dedupeSource:
      typeof item.sg_event_id === 'string'
        ? item.sg_event_id
        : `${messageId}\n${kind}\n${item.timestamp}\n${item.url ?? ''}`,
  }
}

const SENDGRID_WORDS: Record<string, string> = {
  spamreport: 'complained',
  unsubscribe: 'unsubscribed',
  group_unsubscribe: 'unsubscribed',
  open: 'opened',
  click: 'clicked',
}

/** SendGrid drops mail to an address on its lists; the reason names which. */
function droppedFrom(reason: string | null): SuppressionReason | null {
  if (!reason) return null
  if (/bounced address/i.test(reason)) return 'hard_bounce'
  if (/unsubscribed address/i.test(reason)) return 'unsubscribe'
  if (/spam reporting address/i.test(reason)) return 'complaint'
  return null
}

/**
 * Brevo's transactional webhook event (`{ event, email, "message-id",
 * ts_event, ts_epoch?, date, reason?, link? }`): `hard_bounce` and
 * `invalid_email` are hard bounces, `spam` a complaint, `unsubscribed`
 * suppresses, `blocked` (Brevo would not send to the address) fails the
 * message. Brevo gives no event id (its `id` is the webhook's): the message
 * id, the event, its two times and the clicked link dedupe.
 */
function brevoEvent(item: unknown): EmailEvent | null {
  if (!isRecord(item) || typeof item.event !== 'string') return null
  const kind = item.event
  const effect: Effect =
    kind === 'delivered'
      ? 'delivered'
      : kind === 'hard_bounce' || kind === 'invalid_email'
        ? 'hard_bounce'
        : kind === 'spam'
          ? 'complaint'
          : kind === 'unsubscribed'
            ? 'unsubscribe'
            : kind === 'blocked'
              ? 'dropped'
              : kind === 'opened' || kind === 'unique_opened'
                ? 'opened'
                : 'none'
  const messageId = typeof item['message-id'] === 'string' ? item['message-id'] : null
  // ts_event: when the event happened (seconds, UTC); ts_epoch: milliseconds, in some events when
  // the message was sent. `date` is in the account's own time zone: not read.
  const seconds = typeof item.ts_event === 'number' ? item.ts_event : Number(item.ts_event)
  const milliseconds = Number.isFinite(seconds)
    ? seconds * 1000
    : typeof item.ts_epoch === 'number'
      ? item.ts_epoch
      : Number.NaN
  const reason = typeof item.reason === 'string' && item.reason !== '' ? item.reason : null
  return {
    eventType: (effect === 'hard_bounce' ? 'bounced' : (BREVO_WORDS[kind] ?? kind)).slice(0, 64),
    effect,
    suppression: null,
    providerMessageId: messageId,
    address: typeof item.email === 'string' ? addressOf(item.email) : null,
    occurredAt: Number.isFinite(milliseconds)
      ? DateTime.fromMillis(milliseconds, { zone: 'utc' })
      : null,
    code: kind === 'invalid_email' ? 'invalid_email' : null,
    detail: reason ? reason.slice(0, 500) : null,
    dedupeSource: `${messageId}\n${kind}\n${item.ts_event}\n${item.ts_epoch}\n${item.link ?? ''}`,
  }
}

const BREVO_WORDS: Record<string, string> = {
  request: 'sent',
  soft_bounce: 'soft_bounced',
  spam: 'complained',
  opened: 'opened',
  unique_opened: 'opened',
  proxy_open: 'opened',
  unique_proxy_open: 'opened',
  click: 'clicked',
}

/** `Name <a@b>` or `a@b`, normalized as the suppression list keeps it. */
function addressOf(value: string) {
  const bracketed = /<([^>]+)>/.exec(value)?.[1] ?? value
  const address = normalizedAddress('email', bracketed)
  return address.includes('@') ? address.slice(0, 320) : null
}

/**
 * This integration's email with that provider id: Mailgun's and Brevo's with
 * or without angle brackets, SendGrid's by the part before the first `.`
 * (its webhooks name `<X-Message-Id>.filter…`).
 */
async function matchingMessage(
  trx: TransactionClientContract,
  integration: DeliveryIntegration,
  provider: EmailWebhookProvider,
  providerMessageId: string | null
): Promise<{ id: string; tracksOpens: boolean } | null> {
  if (!providerMessageId) return null
  const bare = matchKeyOf(provider, providerMessageId)
  if (!bare) return null
  // By the (provider, provider_message_id) index alone, the rest checked on the rows: with the org in the
  // WHERE clause SQLite's planner walked the org's messages by (organization_id, created_at).
  const rows: {
    id: string
    organization_id: string
    integration_id: string | null
    channel: string
    tracks_opens: unknown
  }[] = await trx
    .from('delivery_messages')
    .select('id', 'organization_id', 'integration_id', 'channel', 'tracks_opens')
    .where('provider', integration.provider)
    .whereIn('provider_message_id', [bare, `<${bare}>`])
  const row = rows.find(
    (candidate) =>
      candidate.organization_id === integration.organizationId &&
      candidate.integration_id === integration.id &&
      candidate.channel === 'email'
  )
  return row ? { id: row.id, tracksOpens: Boolean(row.tracks_opens) } : null
}

function validOrNull(value: DateTime) {
  return value.isValid ? value : null
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
