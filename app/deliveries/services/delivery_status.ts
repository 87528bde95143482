import type { Channel, Provider } from '#deliveries/services/providers'

/** Who sends a message: an org's integration's provider, or `platform` (the platform's own email sender). */
export type MessageProvider = Provider | 'platform'

export const MESSAGE_STATUSES = [
  'queued',
  'sending',
  'sent',
  'delivered',
  'read',
  'failed',
  'suppressed',
] as const
export type MessageStatus = (typeof MESSAGE_STATUSES)[number]

/** The forward order of a message's life; `failed` and `suppressed` are final and outside it. */
const RANK: Record<MessageStatus, number> = {
  queued: 0,
  sending: 1,
  sent: 2,
  delivered: 3,
  read: 4,
  failed: 5,
  suppressed: 5,
}

export function isFinal(status: MessageStatus) {
  return status === 'failed' || status === 'suppressed'
}

/**
 * Whether a message at `current` moves to `next`. Statuses only move
 * forward (queued → sending → sent → delivered → read): a duplicate or an
 * out-of-order notification changes nothing backwards. `failed` and
 * `suppressed` are final; a message fails only before the recipient had it
 * (a `failed` after `delivered` or `read` changes nothing: it arrived).
 */
export function movesTo(current: MessageStatus, next: MessageStatus) {
  if (isFinal(current)) return false
  if (next === 'suppressed') return current === 'queued'
  if (next === 'failed') return RANK[current] <= RANK.sent
  return RANK[next] > RANK[current]
}

/** The timestamp column a status sets on `delivery_messages`. */
export const STATUS_TIMESTAMP: Record<Exclude<MessageStatus, 'queued'>, string> = {
  sending: 'sending_at',
  sent: 'sent_at',
  delivered: 'delivered_at',
  read: 'read_at',
  failed: 'failed_at',
  suppressed: 'suppressed_at',
}

/**
 * The statuses a message at `current` may be moved to: what a conditional
 * UPDATE (`where status in (...)`) needs so two writers racing never move
 * one backwards.
 */
export function statusesBefore(next: MessageStatus): MessageStatus[] {
  return MESSAGE_STATUSES.filter((current) => movesTo(current, next))
}

/**
 * An address as suppression lists and the 24-hour unique-recipient count
 * compare it: email lower-cased and trimmed; a phone number's digits (its
 * country code included, no `+`).
 */
export function normalizedAddress(channel: Channel, address: string) {
  if (channel === 'email') return address.trim().toLowerCase()
  return address.replace(/\D+/g, '')
}
