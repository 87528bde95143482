import { stripControls } from '#core/services/control_characters'
import { createHmac } from 'node:crypto'
import { v7 as uuidv7 } from 'uuid'
import { DateTime } from 'luxon'
import db from '@adonisjs/lucid/services/db'
import { appKey } from '#config/app'
import type Certificate from '#certificates/models/certificate'
import type { VerificationSource } from '#certificates/models/verification_event'
import type { PublicStatus } from '#certificates/queries/verification'
import {
  type VerificationEventRow,
  verificationEvents,
} from '#certificates/services/verification_event_buffer'

export interface RecordVerificationEventInput {
  certificate: Pick<Certificate, 'id' | 'organizationId'>
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
  if (clean.length <= MAX_USER_AGENT) return clean
  // Cut on a code point, never between the halves of a surrogate pair.
  return Array.from(clean).slice(0, MAX_USER_AGENT).join('')
}

/** How the engine takes a timestamp in a query-builder write (read once: the engine does not change). */
let timestampFormat: string | undefined

/** The row a view is written as: the address only as its HMAC, the user agent cleaned and cut. */
export function verificationEventRow(input: RecordVerificationEventInput): VerificationEventRow {
  timestampFormat ??= db.connection().dialect.dateTimeFormat
  return {
    // Time-ordered: a batch appends to the primary key's index instead of scattering over it.
    id: uuidv7(),
    organization_id: input.certificate.organizationId,
    certificate_id: input.certificate.id,
    scanned_at: DateTime.utc().toFormat(timestampFormat),
    source: input.source,
    ip_hash: input.origin.ip ? verificationIpHash(input.origin.ip) : null,
    user_agent: userAgentOf(input.origin.userAgent),
    status_snapshot: input.status,
    metadata: input.metadata ?? {},
  }
}

/**
 * One row per look at a certificate's verification, written with others in
 * a batch shortly after (`services/verification_event_buffer.ts`): this
 * returns at once and never waits for, or fails with, the database.
 */
export default class RecordVerificationEvent {
  static handle(input: RecordVerificationEventInput): void {
    verificationEvents.push(verificationEventRow(input))
  }
}
