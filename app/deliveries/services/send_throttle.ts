import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import deliveries from '#config/deliveries'
import { dbTimestamp } from '#core/services/database_time'
import type DeliveryIntegration from '#deliveries/models/delivery_integration'
import type { Channel } from '#deliveries/services/providers'

/**
 * Throttles that hold across every worker process, on both engines: a
 * reservation is made inside the transaction that marks the message
 * `sending`, on the sender's row of `delivery_throttles` (PostgreSQL locks
 * it `FOR UPDATE`; SQLite runs one writer at a time, and the job's fence
 * has already taken the write lock) and its recipient's row of
 * `delivery_throttle_recipients`.
 *
 * - rate: send slots 1/rate apart (plus 2 %, so jitter on the way never
 *   lets one second at the provider see more than the rate);
 * - the least gap between two messages to one recipient from one sender;
 * - WhatsApp's tier: unique recipients per moving 24 h (those sent to in
 *   the last 24 h count once; a new one waits when the tier is full).
 */
export const DAY_MS = 86_400_000

export interface SenderLimits {
  key: string
  ratePerSecond: number
  recipientGapMs: number
  /** Unique recipients per moving 24 h; null: no such limit (email). */
  dailyUniqueTier: number | null
}

export function senderKey(integrationId: string | null) {
  return integrationId ? `integration:${integrationId}` : 'platform'
}

function positive(value: unknown): number | null {
  const number = Number(value)
  return Number.isFinite(number) && number > 0 ? number : null
}

/** A sender's limits: the integration's settings, else the configured defaults. */
export function limitsOf(integration: DeliveryIntegration | null, channel: Channel): SenderLimits {
  const config = integration?.config ?? {}
  const rate =
    positive(config.messages_per_second) ??
    (channel === 'whatsapp'
      ? deliveries.whatsappMessagesPerSecond
      : deliveries.emailMessagesPerSecond)
  return {
    key: senderKey(integration?.id ?? null),
    ratePerSecond: rate,
    recipientGapMs: deliveries.recipientGapMs[channel] ?? 0,
    dailyUniqueTier: channel === 'whatsapp' ? positive(config.daily_unique_recipients_tier) : null,
  }
}

/** Milliseconds between two send slots of a sender. */
export function slotIntervalMs(ratePerSecond: number) {
  return Math.max(1, Math.ceil((1000 / ratePerSecond) * 1.02))
}

export type Reservation =
  | { kind: 'slot'; atMs: number }
  | { kind: 'later'; atMs: number; reason: 'rate' | 'recipient_gap' | 'daily_tier' }

/**
 * Reserves the next send slot of a sender for one recipient (a normalized
 * address) in the caller's transaction, or says when to try again. A slot
 * at most `maxSlotWaitMs` ahead is reserved (the caller waits for it);
 * a later one is not.
 */
export async function reserveSlot(
  trx: TransactionClientContract,
  limits: SenderLimits,
  address: string,
  nowMs = Date.now()
): Promise<Reservation> {
  const updatedAt = dbTimestamp(trx)
  await trx.rawQuery(
    'INSERT INTO delivery_throttles (sender_key, next_slot_ms, updated_at) VALUES (?, ?, ?) ON CONFLICT (sender_key) DO NOTHING',
    [limits.key, nowMs, updatedAt]
  )
  const slotQuery = trx.from('delivery_throttles').where('sender_key', limits.key)
  if (trx.dialect.name === 'postgres') slotQuery.forUpdate()
  const throttle = await slotQuery.select('next_slot_ms').first()

  const recipient = await trx
    .from('delivery_throttle_recipients')
    .where('sender_key', limits.key)
    .where('address', address)
    .select('last_sent_ms')
    .first()
  const lastSent = recipient ? Number(recipient.last_sent_ms) : null
  if (lastSent !== null && limits.recipientGapMs > 0 && nowMs - lastSent < limits.recipientGapMs)
    return { kind: 'later', atMs: lastSent + limits.recipientGapMs, reason: 'recipient_gap' }

  if (limits.dailyUniqueTier !== null && (lastSent === null || lastSent <= nowMs - DAY_MS)) {
    const [row] = await trx
      .from('delivery_throttle_recipients')
      .where('sender_key', limits.key)
      .where('last_sent_ms', '>', nowMs - DAY_MS)
      .count('* as total')
      .min('last_sent_ms as oldest')
    if (Number(row.total) >= limits.dailyUniqueTier)
      return { kind: 'later', atMs: Number(row.oldest) + DAY_MS + 1, reason: 'daily_tier' }
  }

  const slot = Math.max(nowMs, Number(throttle.next_slot_ms))
  if (slot - nowMs > deliveries.maxSlotWaitMs) return { kind: 'later', atMs: slot, reason: 'rate' }
  await trx
    .from('delivery_throttles')
    .where('sender_key', limits.key)
    .update({ next_slot_ms: slot + slotIntervalMs(limits.ratePerSecond), updated_at: updatedAt })
  await trx.rawQuery(
    'INSERT INTO delivery_throttle_recipients (sender_key, address, last_sent_ms) VALUES (?, ?, ?) ON CONFLICT (sender_key, address) DO UPDATE SET last_sent_ms = excluded.last_sent_ms',
    [limits.key, address, slot]
  )
  return { kind: 'slot', atMs: slot }
}

/** The sender's next free slot and its unique recipients of the last 24 h (the estimate reads them). */
export async function throttleState(
  client: TransactionClientContract | import('@adonisjs/lucid/types/database').QueryClientContract,
  key: string,
  nowMs = Date.now()
) {
  const throttle = await client
    .from('delivery_throttles')
    .where('sender_key', key)
    .select('next_slot_ms')
    .first()
  const [row] = await client
    .from('delivery_throttle_recipients')
    .where('sender_key', key)
    .where('last_sent_ms', '>', nowMs - DAY_MS)
    .count('* as total')
  return {
    nextSlotMs: Math.max(nowMs, throttle ? Number(throttle.next_slot_ms) : nowMs),
    recentRecipients: Number(row.total),
  }
}
