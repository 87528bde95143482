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
 * - rate: send slots 1/rate apart, and a send begins only a second after
 *   the provider answered the send `rate` sends back (`delivery_throttle_slots`):
 *   whatever the time each takes on its way, no second at the provider sees
 *   more than the rate;
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
  return Math.max(1, Math.ceil(1000 / ratePerSecond))
}

/** Rates above this keep no window log (`delivery_throttle_slots`): only the spacing of slots. */
export const WINDOW_LOG_MAX = 1_000

export type Reservation =
  | { kind: 'slot'; atMs: number; slotNo: number }
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
  messageId: string,
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

  // Only a sender with a per-recipient gap or a daily tier keeps its recipients (email by default neither).
  const tracksRecipients = limits.recipientGapMs > 0 || limits.dailyUniqueTier !== null
  const recipient = tracksRecipients
    ? await trx
        .from('delivery_throttle_recipients')
        .where('sender_key', limits.key)
        .where('address', address)
        .select('last_sent_ms')
        .first()
    : null
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

  // The window log: the send `rate` sends back must have been answered a second ago. Above
  // WINDOW_LOG_MAX msg/s (a throttle raised out of the way) only the spacing holds.
  const window = Math.max(1, Math.floor(limits.ratePerSecond))
  const logged = window <= WINDOW_LOG_MAX
  let slotNo = 0
  let windowFreeMs = nowMs
  if (logged) {
    const [{ total: used }] = await trx
      .from('delivery_throttle_slots')
      .where('sender_key', limits.key)
      .count('* as total')
    slotNo = Number(used)
  }
  if (logged && slotNo >= window) {
    // An unanswered send counts as answered when its call would have timed out (its worker may have died).
    const oldest = await trx
      .from('delivery_throttle_slots')
      .where('sender_key', limits.key)
      .select('slot_no')
      .select(
        trx.raw('COALESCE(done_ms, started_ms + ?) as answered_ms', [deliveries.sendTimeoutMs])
      )
      .orderBy('answered_ms', 'asc')
      .first()
    slotNo = Number(oldest.slot_no)
    windowFreeMs = Number(oldest.answered_ms) + 1000
  }
  const slot = Math.max(nowMs, Number(throttle.next_slot_ms), windowFreeMs)
  if (slot - nowMs > deliveries.maxSlotWaitMs) return { kind: 'later', atMs: slot, reason: 'rate' }
  await trx
    .from('delivery_throttles')
    .where('sender_key', limits.key)
    .update({ next_slot_ms: slot + slotIntervalMs(limits.ratePerSecond), updated_at: updatedAt })
  if (logged)
    await trx.rawQuery(
      'INSERT INTO delivery_throttle_slots (sender_key, slot_no, message_id, started_ms, done_ms) VALUES (?, ?, ?, ?, NULL) ON CONFLICT (sender_key, slot_no) DO UPDATE SET message_id = excluded.message_id, started_ms = excluded.started_ms, done_ms = NULL',
      [limits.key, slotNo, messageId, slot]
    )
  if (tracksRecipients)
    await trx.rawQuery(
      'INSERT INTO delivery_throttle_recipients (sender_key, address, last_sent_ms) VALUES (?, ?, ?) ON CONFLICT (sender_key, address) DO UPDATE SET last_sent_ms = excluded.last_sent_ms',
      [limits.key, address, slot]
    )
  return { kind: 'slot', atMs: slot, slotNo }
}

/** The provider answered the send of this slot (whatever it said): the window log moves on from now. */
export async function slotAnswered(
  trx: TransactionClientContract,
  key: string,
  slotNo: number,
  messageId: string,
  nowMs = Date.now()
) {
  await trx
    .from('delivery_throttle_slots')
    .where('sender_key', key)
    .where('slot_no', slotNo)
    .where('message_id', messageId)
    .whereNull('done_ms')
    .update({ done_ms: nowMs })
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
