import { createHmac, createPublicKey, verify } from 'node:crypto'
import { constantTimeEqual } from '#core/services/constant_time'

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

/**
 * SendGrid's verification key as the org pastes it from Mail Settings →
 * Signed Event Webhook: base64 DER of an ECDSA P-256 public key
 * (SubjectPublicKeyInfo), or the same wrapped as PEM. Null when it is not one.
 */
export function sendgridVerificationKey(text: string | undefined) {
  if (!text) return null
  const body = text.replace(/-----(BEGIN|END) PUBLIC KEY-----/g, '').replaceAll(/\s+/g, '')
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(body)) return null
  try {
    const key = createPublicKey({ key: Buffer.from(body, 'base64'), format: 'der', type: 'spki' })
    return key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1'
      ? key
      : null
  } catch {
    return null
  }
}

/**
 * How old a SendGrid timestamp may be. SendGrid names no window and retries
 * a refused post for up to 24 hours; a replayed capture does no harm (each
 * event is stored once by its `sg_event_id`), so a day is allowed.
 */
const SENDGRID_TOLERANCE_SECONDS = 25 * 60 * 60

/**
 * SendGrid's Signed Event Webhook: `X-Twilio-Email-Event-Webhook-Signature`
 * is the base64 DER ECDSA (P-256, SHA-256) signature of the
 * `X-Twilio-Email-Event-Webhook-Timestamp` header followed by the raw body,
 * checked with the org's verification key.
 */
export function sendgridSignatureValid(
  raw: string,
  headers: { signature?: string | null; timestamp?: string | null },
  verificationKey: string | undefined,
  now = Date.now()
) {
  const { signature, timestamp } = headers
  const key = sendgridVerificationKey(verificationKey)
  if (!key || !signature || !timestamp || !/^\d{1,12}$/.test(timestamp)) return false
  const age = now / 1000 - Number(timestamp)
  if (age > SENDGRID_TOLERANCE_SECONDS || age < -TOLERANCE_SECONDS) return false
  try {
    return verify(
      'sha256',
      Buffer.from(timestamp + raw, 'utf8'),
      { key, dsaEncoding: 'der' },
      Buffer.from(signature, 'base64')
    )
  } catch {
    return false
  }
}

/**
 * Brevo signs nothing: its webhook is configured to send
 * `Authorization: Bearer <token>`, the token being the integration's
 * webhook secret, compared in constant time. A missing header or secret
 * never matches.
 */
export function bearerTokenValid(header: string | undefined | null, token: string | undefined) {
  if (!header || !token) return false
  const given = /^Bearer\s+(.+)$/i.exec(header.trim())?.[1]
  return given !== undefined && constantTimeEqual(given, token)
}
