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
