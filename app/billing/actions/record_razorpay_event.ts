import { createHash } from 'node:crypto'
import db from '@adonisjs/lucid/services/db'
import { DateTime } from 'luxon'
import { v7 as uuidv7 } from 'uuid'
import razorpay from '#config/razorpay'
import { Queue } from '#core/queue/queue'
import { rowsOf } from '#core/services/bulk_insert'
import { dbTimestamp } from '#core/services/database_time'
import { webhookSignatureValid } from '#billing/services/razorpay_signatures'
import { applyRazorpayEventJob } from '#billing/services/razorpay_event_queue'

export type RecordRazorpayEventResult =
  | { kind: 'stored'; id: string }
  /** Stored before (the same event id, or the same body under another id): nothing new. */
  | { kind: 'duplicate' }
  | { kind: 'bad_signature'; message: string }
  | { kind: 'bad_request'; code: string; message: string }
  /** Created longer ago than the window: a replay, refused and not applied. */
  | { kind: 'too_old'; message: string }

const EVENT_ID = /^[A-Za-z0-9_-]{1,64}$/
/** A clock ahead of ours by more than this makes an envelope from the future. */
const FUTURE_SKEW_SECONDS = 300

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/**
 * A Razorpay webhook as received: its signature checked over the raw body
 * with the webhook secret (constant time), its envelope's age against the
 * replay window, then stored raw once (by `X-Razorpay-Event-Id`, and by
 * the body's hash, since the signature does not cover the id header) with
 * the job that applies it, in one transaction. Nothing is applied here:
 * Razorpay wants its answer within 5 seconds.
 */
export default class RecordRazorpayEvent {
  static async handle(input: {
    raw: string
    signature: string | undefined
    eventId: string | undefined
    now?: DateTime
  }): Promise<RecordRazorpayEventResult> {
    if (!razorpay.webhookSecret) {
      return {
        kind: 'bad_signature',
        message: 'Razorpay webhooks are not configured here (RAZORPAY_WEBHOOK_SECRET is not set).',
      }
    }
    if (!webhookSignatureValid(input.raw, input.signature, razorpay.webhookSecret)) {
      return {
        kind: 'bad_signature',
        message: input.signature
          ? 'X-Razorpay-Signature does not match the body signed with the webhook secret.'
          : 'X-Razorpay-Signature is missing.',
      }
    }
    if (!input.eventId || !EVENT_ID.test(input.eventId)) {
      return {
        kind: 'bad_request',
        code: 'E_EVENT_ID',
        message: 'X-Razorpay-Event-Id is missing or not 1 to 64 letters, digits, - or _.',
      }
    }
    const eventId = input.eventId
    let envelope: unknown
    try {
      envelope = JSON.parse(input.raw)
    } catch {
      return { kind: 'bad_request', code: 'E_BAD_JSON', message: 'The event is not valid JSON.' }
    }
    if (
      !isObject(envelope) ||
      envelope.entity !== 'event' ||
      typeof envelope.event !== 'string' ||
      envelope.event.length > 64 ||
      !Number.isSafeInteger(envelope.created_at)
    ) {
      return {
        kind: 'bad_request',
        code: 'E_BAD_ENVELOPE',
        message: 'The body is not a Razorpay event (entity "event", its name and created_at).',
      }
    }
    const now = input.now ?? DateTime.utc()
    const age = Math.floor(now.toSeconds()) - (envelope.created_at as number)
    if (age > razorpay.webhookWindowSeconds) {
      return {
        kind: 'too_old',
        message: `The event was created ${Math.floor(age / 3600)} h ${Math.floor((age % 3600) / 60)} min ago, longer ago than the ${razorpay.webhookWindowSeconds / 3600} h Razorpay retries for: refused as a replay.`,
      }
    }
    if (age < -FUTURE_SKEW_SECONDS) {
      return {
        kind: 'bad_request',
        code: 'E_EVENT_FROM_FUTURE',
        message: `The event's created_at is ${-age} seconds ahead of our clock.`,
      }
    }
    const payloadHash = createHash('sha256').update(input.raw, 'utf8').digest('hex')
    const id = uuidv7()
    const stored = await db.transaction(async (trx) => {
      const stamp = dbTimestamp(trx, now)
      const inserted = rowsOf<{ id: string }>(
        await trx.rawQuery(
          `INSERT INTO billing_provider_events (id, organization_id, provider, event_id, event, payload_hash,
             payload, status, error, received_at, applied_at)
           VALUES (?, NULL, 'razorpay', ?, ?, ?, ?, 'received', NULL, ?, NULL)
           ON CONFLICT DO NOTHING RETURNING id`,
          [id, eventId, envelope.event as string, payloadHash, input.raw, stamp]
        )
      )
      if (inserted.length === 0) return false
      await Queue.enqueue(trx, applyRazorpayEventJob, { eventId: id }, { subjectId: id })
      return true
    })
    if (!stored) return { kind: 'duplicate' }
    Queue.notify()
    return { kind: 'stored', id }
  }
}
