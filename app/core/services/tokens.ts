import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto'

/** A CSPRNG token of 192 bits, URL-safe. Raw tokens are never stored. */
export function generateToken(bytes = 24): string {
  return randomBytes(bytes).toString('base64url')
}

/** What we store and look tokens up by. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex')
}

export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a)
  const right = Buffer.from(b)
  return left.length === right.length && timingSafeEqual(left, right)
}

/**
 * A token derived from a record id under a server key (HMAC-SHA256, 192
 * bits kept): the database stores only its hash, yet the link can be built
 * again (a resend, a retried render) without ever storing the token.
 * `purpose` separates uses of the same key.
 */
export function derivedToken(secret: string, purpose: string, id: string): string {
  return createHmac('sha256', secret)
    .update(`${purpose}\u0000${id}`, 'utf8')
    .digest()
    .subarray(0, 24)
    .toString('base64url')
}
