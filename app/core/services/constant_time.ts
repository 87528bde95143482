import { createHash, timingSafeEqual } from 'node:crypto'

/**
 * Whether two secrets are equal, in time that says nothing about where
 * they differ or how long either is: both are hashed first, so the compared
 * buffers always have the same length. For every signature, token and
 * secret a request presents (providers' webhooks, Razorpay's checkout).
 */
export function constantTimeEqual(given: string, expected: string) {
  const a = createHash('sha256').update(given, 'utf8').digest()
  const b = createHash('sha256').update(expected, 'utf8').digest()
  return timingSafeEqual(a, b)
}
