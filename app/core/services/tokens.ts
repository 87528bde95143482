import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'

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
