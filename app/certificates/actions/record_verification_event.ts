import { stripControls } from '#core/services/control_characters'
import { createHmac } from 'node:crypto'
import { DateTime } from 'luxon'
import { appKey } from '#config/app'
import type Certificate from '#certificates/models/certificate'
import VerificationEvent, { type VerificationSource } from '#certificates/models/verification_event'
import type { PublicStatus } from '#certificates/queries/verification'

export interface RecordVerificationEventInput {
  certificate: Certificate
  /**
   * `qr` for a scanned code (`?via=qr`), `link` for a followed link, `upload` for a PDF checked on
   * /verify, `api` for the JSON API.
   */
  source: VerificationSource
  /** The status the visitor was shown. */
  status: PublicStatus
  origin: { ip?: string | null; userAgent?: string | null }
  metadata?: Record<string, unknown>
}

/** The `user_agent` column's width. */
const MAX_USER_AGENT = 500

/**
 * HMAC-SHA256 of the address under APP_KEY: views from one address can be
 * counted together, but the address itself is never stored, and without the
 * key the hash cannot be checked against guessed addresses.
 */
export function verificationIpHash(ip: string) {
  return createHmac('sha256', appKey.release())
    .update(`verification-ip\u0000${ip}`, 'utf8')
    .digest('hex')
}

function userAgentOf(value: string | null | undefined) {
  const clean = value === null || value === undefined ? '' : stripControls(value).trim()
  if (!clean) return null
  // Cut on a code point, never between the halves of a surrogate pair.
  return Array.from(clean).slice(0, MAX_USER_AGENT).join('')
}

/** One row per look at a certificate's verification. */
export default class RecordVerificationEvent {
  static handle(input: RecordVerificationEventInput) {
    return VerificationEvent.create({
      organizationId: input.certificate.organizationId,
      certificateId: input.certificate.id,
      scannedAt: DateTime.utc(),
      source: input.source,
      ipHash: input.origin.ip ? verificationIpHash(input.origin.ip) : null,
      userAgent: userAgentOf(input.origin.userAgent),
      statusSnapshot: input.status,
      metadata: input.metadata ?? {},
    })
  }
}
