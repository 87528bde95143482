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

/** One message asking for a slot: its normalized address. */
export interface SlotRequest {
  messageId: string
  address: string
}

/**
 * The slots of several messages of one sender, planned in order in the
 * caller's transaction (the sender's row locked, its state read once) and
 * written only for the ones `commit` keeps: a message that moved on
 * meanwhile takes none. A slot at most `maxSlotWaitMs` ahead is reserved
 * (the caller waits for it); once one would be later (`rate`), every
 * message after it waits as long. The per-recipient gap and the daily tier
 * answer `later` for that message alone.
 */
export interface SlotPlan {
  reservations: Reservation[]
  /**
   * Writes the slots of the requests at these positions (each must hold a
   * `slot`; its reservation's `slotNo` is final once this has run).
   */
  commit(kept: number[]): Promise<void>
}

export async function planSlots(
  trx: TransactionClientContract,
  limits: SenderLimits,
  requests: SlotRequest[],
  nowMs = Date.now()
): Promise<SlotPlan> {
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
  const lastSent = new Map<string, number>()
  if (tracksRecipients) {
    const addresses = [...new Set(requests.map((r) => r.address))]
    for (let at = 0; at < addresses.length; at += 500) {
      const rows = await trx
        .from('delivery_throttle_recipients')
        .where('sender_key', limits.key)
        .whereIn('address', addresses.slice(at, at + 500))
        .select('address', 'last_sent_ms')
      for (const row of rows) lastSent.set(row.address, Number(row.last_sent_ms))
    }
  }

  // The daily tier: counted once, only when a new recipient asks, then kept in step here.
  let tier: { total: number; oldest: number } | null = null
  const tierState = async () => {
    if (!tier) {
      const [row] = await trx
        .from('delivery_throttle_recipients')
        .where('sender_key', limits.key)
        .where('last_sent_ms', '>', nowMs - DAY_MS)
        .count('* as total')
        .min('last_sent_ms as oldest')
      tier = { total: Number(row.total), oldest: Number(row.oldest) }
    }
    return tier
  }

  // The window log: the send `rate` sends back must have been answered a second ago. Above
  // WINDOW_LOG_MAX msg/s (a throttle raised out of the way) only the spacing holds.
  const window = Math.max(1, Math.floor(limits.ratePerSecond))
  const logged = window <= WINDOW_LOG_MAX
  let used = 0
  if (logged) {
    const [{ total }] = await trx
      .from('delivery_throttle_slots')
      .where('sender_key', limits.key)
      .count('* as total')
    used = Number(total)
  }
  // The log's rows to take over, oldest answer first (an unanswered send counts as answered
  // when its call would have timed out: its worker may have died), read when first needed.
  let reusable: { slotNo: number; answeredMs: number }[] | null = null
  const nextReusable = async () => {
    if (!reusable) {
      const rows = await trx
        .from('delivery_throttle_slots')
        .where('sender_key', limits.key)
        .select('slot_no')
        .select(
          trx.raw('COALESCE(done_ms, started_ms + ?) as answered_ms', [deliveries.sendTimeoutMs])
        )
        .orderBy('answered_ms', 'asc')
        .limit(requests.length)
      reusable = rows.map((row) => ({
        slotNo: Number(row.slot_no),
        answeredMs: Number(row.answered_ms),
      }))
    }
    const row = reusable.shift()
    if (row) return row
    // The log is full of this group's own sends: the earliest counts as answered at its timeout.
    const own = ownSlots.shift()
    return own ? { slotNo: own.slotNo, answeredMs: own.atMs + deliveries.sendTimeoutMs } : null
  }
  /** This group's slots numbering new rows of the log, in order: unanswered, they can be waited on. */
  const ownSlots: { slotNo: number; atMs: number }[] = []

  const interval = slotIntervalMs(limits.ratePerSecond)
  let next = Number(throttle.next_slot_ms)
  const reservations: Reservation[] = []
  const firstNew = used
  /** Per request position: its slot, `fresh` when it numbers a new row of the log. */
  const slots = new Map<number, { slotNo: number; atMs: number; fresh: boolean }>()
  let rateLater: number | null = null
  for (const [index, request] of requests.entries()) {
    if (rateLater !== null) {
      reservations.push({ kind: 'later', atMs: rateLater, reason: 'rate' })
      continue
    }
    const last = lastSent.get(request.address) ?? null
    if (last !== null && limits.recipientGapMs > 0 && nowMs - last < limits.recipientGapMs) {
      reservations.push({
        kind: 'later',
        atMs: last + limits.recipientGapMs,
        reason: 'recipient_gap',
      })
      continue
    }
    const isNew = last === null || last <= nowMs - DAY_MS
    if (limits.dailyUniqueTier !== null && isNew) {
      const state = await tierState()
      if (state.total >= limits.dailyUniqueTier) {
        reservations.push({ kind: 'later', atMs: state.oldest + DAY_MS + 1, reason: 'daily_tier' })
        continue
      }
    }
    let slotNo = 0
    let windowFreeMs = nowMs
    let taken: { slotNo: number; answeredMs: number } | null = null
    let fresh = false
    if (logged) {
      if (used < window) {
        slotNo = used++
        fresh = true
      } else {
        taken = await nextReusable()
        if (taken) {
          slotNo = taken.slotNo
          windowFreeMs = taken.answeredMs + 1000
        }
      }
    }
    const slot = Math.max(nowMs, next, windowFreeMs)
    if (slot - nowMs > deliveries.maxSlotWaitMs) {
      rateLater = slot
      // Not taken after all: the row stays for the next plan.
      if (taken) reusable!.unshift(taken)
      if (fresh) used--
      reservations.push({ kind: 'later', atMs: slot, reason: 'rate' })
      continue
    }
    next = slot + interval
    reservations.push({ kind: 'slot', atMs: slot, slotNo })
    slots.set(index, { slotNo, atMs: slot, fresh })
    if (fresh) ownSlots.push({ slotNo, atMs: slot })
    lastSent.set(request.address, slot)
    if (limits.dailyUniqueTier !== null && isNew) {
      const state = await tierState()
      state.total++
    }
  }

  return {
    reservations,
    async commit(kept) {
      // New rows of the log are numbered again over the kept ones only, so the numbers stay
      // 0..n-1 (the next plan counts the rows to number its own).
      let fresh = firstNew
      const chosen = kept.map((index) => {
        const slot = slots.get(index)
        if (!slot) throw new Error(`request ${index} holds no slot`)
        const { messageId, address } = requests[index]
        const slotNo = slot.fresh ? fresh++ : slot.slotNo
        // The caller tells the answer of this slot by its number: the reservation carries it.
        ;(reservations[index] as { slotNo: number }).slotNo = slotNo
        return { ...slot, slotNo, messageId, address }
      })
      if (chosen.length === 0) return
      const lastSlot = Math.max(...chosen.map((s) => s.atMs))
      await trx
        .from('delivery_throttles')
        .where('sender_key', limits.key)
        .update({ next_slot_ms: lastSlot + interval, updated_at: updatedAt })
      if (logged)
        for (const slot of chosen)
          await trx.rawQuery(
            'INSERT INTO delivery_throttle_slots (sender_key, slot_no, message_id, started_ms, done_ms) VALUES (?, ?, ?, ?, NULL) ON CONFLICT (sender_key, slot_no) DO UPDATE SET message_id = excluded.message_id, started_ms = excluded.started_ms, done_ms = NULL',
            [limits.key, slot.slotNo, slot.messageId, slot.atMs]
          )
      if (tracksRecipients)
        for (const slot of chosen)
          await trx.rawQuery(
            'INSERT INTO delivery_throttle_recipients (sender_key, address, last_sent_ms) VALUES (?, ?, ?) ON CONFLICT (sender_key, address) DO UPDATE SET last_sent_ms = excluded.last_sent_ms',
            [limits.key, slot.address, slot.atMs]
          )
    },
  }
}

/**
 * Reserves the next send slot of a sender for one recipient (a normalized
 * address) in the caller's transaction, or says when to try again
 * (`planSlots` for one message).
 */
export async function reserveSlot(
  trx: TransactionClientContract,
  limits: SenderLimits,
  address: string,
  messageId: string,
  nowMs = Date.now()
): Promise<Reservation> {
  const plan = await planSlots(trx, limits, [{ messageId, address }], nowMs)
  const [reservation] = plan.reservations
  if (reservation.kind === 'slot') await plan.commit([0])
  return reservation
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
