import { appKey } from '#config/app'
import deliveries from '#config/deliveries'
import { derivedToken, safeEqual } from '#core/services/tokens'

/**
 * The platform's bounce mailbox addresses (VERP): each email sent over SMTP
 * with it carries `bounce+<token>@<BOUNCE_DOMAIN>` as its envelope sender
 * (Return-Path), so a mail server's report of that one message comes back
 * to an address that names it. The token is the message id (32 hex digits)
 * followed by 24 hex digits (96 bits) of an HMAC of it under a key derived
 * from APP_KEY: nobody can make up an address for a message, and a report
 * can only ever touch the message its address names. Hex, because some mail
 * servers lower-case local parts; 7 + 56 characters, under SMTP's 64 for a
 * local part.
 */
const PREFIX = 'bounce+'
const ID_DIGITS = 32
const SIGNATURE_DIGITS = 24
const LOCAL_PART = new RegExp(`^bounce\\+([0-9a-f]{${ID_DIGITS}})([0-9a-f]{${SIGNATURE_DIGITS}})$`)

function signature(compactId: string) {
  const token = derivedToken(appKey.release(), 'delivery-bounce-address', compactId)
  return Buffer.from(token, 'base64url').toString('hex').slice(0, SIGNATURE_DIGITS)
}

/** The bounce domain when the platform has one (BOUNCE_DOMAIN), else null: no bounce mailbox. */
export function bounceDomain() {
  return deliveries.bounces.domain
}

/** The envelope sender of message `messageId`; null without a bounce domain. */
export function bounceAddressOf(messageId: string): string | null {
  const domain = bounceDomain()
  if (!domain) return null
  const compact = messageId.replaceAll('-', '').toLowerCase()
  if (!/^[0-9a-f]{32}$/.test(compact)) throw new Error(`Not a message id: ${messageId}`)
  return `${PREFIX}${compact}${signature(compact)}@${domain}`
}

/** The message id a bounce address names, when its domain is ours and its signature holds; else null. */
export function messageOfBounceAddress(address: string): string | null {
  const domain = bounceDomain()
  if (!domain) return null
  const at = address.lastIndexOf('@')
  if (at < 0 || address.slice(at + 1).toLowerCase() !== domain) return null
  const match = LOCAL_PART.exec(address.slice(0, at).toLowerCase())
  if (!match) return null
  const [, compact, given] = match
  if (!safeEqual(given, signature(compact))) return null
  return [
    compact.slice(0, 8),
    compact.slice(8, 12),
    compact.slice(12, 16),
    compact.slice(16, 20),
    compact.slice(20),
  ].join('-')
}

/**
 * Whether an email of this sender goes out with a bounce address: the
 * platform's own sender always (when there is a bounce domain); an SMTP
 * integration unless its `platform_bounces` setting is false (default on).
 * The HTTP providers report bounces by webhook instead.
 */
export function usesBounceAddress(
  integration: { provider: string; config: Record<string, unknown> } | null
) {
  if (!bounceDomain()) return false
  if (integration === null) return true
  return integration.provider === 'smtp' && integration.config.platform_bounces !== false
}
