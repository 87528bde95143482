import { createHmac } from 'node:crypto'
import { appKey, appUrl } from '#config/app'
import deliveries from '#config/deliveries'
import { safeEqual } from '#core/services/tokens'
import type { Channel } from '#deliveries/services/providers'

/**
 * The links a delivered message carries, signed so the public routes that
 * serve them need no session and no stored token (HMAC-SHA256 under a key
 * derived from APP_KEY, one purpose per kind of link, 128 bits kept):
 *
 * - a certificate's PDF (`/deliveries/pdf/<certificate id>.<expiry>.<sig>`):
 *   what WhatsApp fetches as the template's document header and what an
 *   email links to above the attachment limit; expires.
 * - a recipient's page (`/deliveries/r/<message id>.<expiry>.<sig>`): all
 *   that recipient's certificates of the job, to download and verify; expires.
 * - one-click unsubscribe (`/deliveries/unsubscribe/<token>`): names the
 *   org, the channel and the address; never expires (RFC 8058 links are
 *   followed long after the mail was sent).
 */
type Purpose = 'pdf' | 'recipient' | 'unsubscribe'

function signature(purpose: Purpose, body: string) {
  return createHmac('sha256', appKey.release())
    .update(`delivery-link:${purpose}\u0000${body}`, 'utf8')
    .digest()
    .subarray(0, 16)
    .toString('base64url')
}

function expiry(now = Date.now()) {
  return Math.floor(now / 1000) + deliveries.linkTtlDays * 86_400
}

function expiring(purpose: Purpose, id: string, now?: number) {
  const body = `${id}.${expiry(now)}`
  return `${body}.${signature(purpose, body)}`
}

/** The id a valid, unexpired token of `purpose` names; null for anything else. */
function openExpiring(purpose: Purpose, token: unknown, now = Date.now()): string | null {
  if (typeof token !== 'string' || token.length > 200) return null
  const match = /^([0-9a-f-]{36})\.(\d{1,12})\.([A-Za-z0-9_-]{22})$/.exec(token)
  if (!match) return null
  const [, id, expires, sig] = match
  if (!safeEqual(sig, signature(purpose, `${id}.${expires}`))) return null
  return Number(expires) * 1000 >= now ? id : null
}

/** A signed, expiring, absolute link to one certificate's PDF. */
export function certificateDownloadUrl(certificateId: string, now?: number) {
  return `${appUrl}/deliveries/pdf/${expiring('pdf', certificateId, now)}`
}

export function openCertificateDownloadToken(token: unknown, now?: number) {
  return openExpiring('pdf', token, now)
}

/** A signed, expiring, absolute link to the page of one message's recipient (all their certificates of the job). */
export function recipientPageUrl(messageId: string, now?: number) {
  return `${appUrl}/deliveries/r/${expiring('recipient', messageId, now)}`
}

export function openRecipientPageToken(token: unknown, now?: number) {
  return openExpiring('recipient', token, now)
}

export interface UnsubscribeTarget {
  organizationId: string
  channel: Channel
  /** Normalized (#deliveries/services/delivery_status `normalizedAddress`). */
  address: string
}

/** The one-click unsubscribe link of an address for one org and channel. */
export function unsubscribeUrl(target: UnsubscribeTarget) {
  const body = `${target.organizationId}.${target.channel === 'email' ? 'e' : 'w'}.${Buffer.from(target.address, 'utf8').toString('base64url')}`
  return `${appUrl}/deliveries/unsubscribe/${body}.${signature('unsubscribe', body)}`
}

export function openUnsubscribeToken(token: unknown): UnsubscribeTarget | null {
  if (typeof token !== 'string' || token.length > 700) return null
  const match = /^([0-9a-f-]{36})\.([ew])\.([A-Za-z0-9_-]{1,500})\.([A-Za-z0-9_-]{22})$/.exec(token)
  if (!match) return null
  const [, organizationId, channel, address, sig] = match
  if (!safeEqual(sig, signature('unsubscribe', `${organizationId}.${channel}.${address}`)))
    return null
  return {
    organizationId,
    channel: channel === 'e' ? 'email' : 'whatsapp',
    address: Buffer.from(address, 'base64url').toString('utf8'),
  }
}
