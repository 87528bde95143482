import { createHash, createHmac, timingSafeEqual } from 'node:crypto'

/**
 * Whether two secrets are equal, in time that says nothing about where
 * they differ or how long either is: both are hashed first, so the compared
 * buffers always have the same length.
 */
export function constantTimeEqual(given: string, expected: string) {
  const a = createHash('sha256').update(given, 'utf8').digest()
  const b = createHash('sha256').update(expected, 'utf8').digest()
  return timingSafeEqual(a, b)
}

/**
 * Meta's `X-Hub-Signature-256`: `sha256=` and the hex HMAC-SHA256 of the raw
 * body with the app secret. A missing header or secret never matches.
 */
export function hubSignatureValid(
  raw: string,
  header: string | undefined | null,
  appSecret: string | undefined
) {
  if (!header || !appSecret) return false
  const expected = `sha256=${createHmac('sha256', appSecret).update(raw, 'utf8').digest('hex')}`
  return constantTimeEqual(header.trim().toLowerCase(), expected)
}

/** How far a signed timestamp may be from now (replays of old captures are refused). */
const TOLERANCE_SECONDS = 5 * 60

/**
 * The Standard Webhooks signature (Resend signs this way, with `svix-*`
 * header names): `v1,<base64 HMAC-SHA256("<id>.<timestamp>.<raw body>")>`,
 * the key being the base64 after `whsec_`. The header may list several
 * space-separated signatures (during a secret's rotation); one match is
 * enough. The timestamp must be within five minutes of now.
 */
export function standardWebhookValid(
  raw: string,
  headers: { id?: string | null; timestamp?: string | null; signature?: string | null },
  secret: string | undefined,
  now = Date.now()
) {
  const { id, timestamp, signature } = headers
  if (!secret || !id || !timestamp || !signature || !/^\d{1,12}$/.test(timestamp)) return false
  if (Math.abs(now / 1000 - Number(timestamp)) > TOLERANCE_SECONDS) return false
  const key = Buffer.from(secret.startsWith('whsec_') ? secret.slice(6) : secret, 'base64')
  const expected = createHmac('sha256', key)
    .update(`${id}.${timestamp}.${raw}`, 'utf8')
    .digest('base64')
  return signature
    .split(' ')
    .filter((part) => part.startsWith('v1,'))
    .some((part) => constantTimeEqual(part.slice(3), expected))
}

/**
 * Mailgun's webhook signature: `signature.signature` is the hex
 * HMAC-SHA256 of `timestamp + token` with the webhook signing key; the
 * timestamp must be within five minutes of now.
 */
export function mailgunSignatureValid(
  signature: { timestamp?: unknown; token?: unknown; signature?: unknown } | undefined,
  signingKey: string | undefined,
  now = Date.now()
) {
  if (!signature || !signingKey) return false
  const { timestamp, token, signature: given } = signature
  if (typeof timestamp !== 'string' || typeof token !== 'string' || typeof given !== 'string') {
    return false
  }
  if (
    !/^\d{1,12}$/.test(timestamp) ||
    Math.abs(now / 1000 - Number(timestamp)) > TOLERANCE_SECONDS
  ) {
    return false
  }
  const expected = createHmac('sha256', signingKey)
    .update(timestamp + token)
    .digest('hex')
  return constantTimeEqual(given.toLowerCase(), expected)
}
