import db from '@adonisjs/lucid/services/db'
import { DateTime } from 'luxon'
import { sha256Hex } from '#core/actions/store_file'
import { hashToken } from '#core/services/tokens'
import Certificate from '#certificates/models/certificate'
import {
  certificateOfRow,
  mightBeIssued,
  pastChangeCursor,
  missedLookupOfJob,
  readAheadWith,
  takeReadAhead,
  verifiedCertificate,
} from '#certificates/services/verification_cache'
import { type Issuer, issuerOf } from '#certificates/services/issuer_cache'
import { verificationUrl } from '#certificates/services/verification_links'
import { verificationTokensOf } from '#certificates/services/render_threads'

/**
 * What anyone holding the link is told; `issued` reads as `valid`, and an issued certificate past
 * its `expires_at` as `expired`.
 */
export type PublicStatus = 'valid' | 'expired' | 'revoked' | 'superseded'

/** The public body of a verification (API contract, `GET /api/v1/verify/:token`), plus the printed dates. */
export interface VerificationView {
  status: PublicStatus
  certificate_number: string
  recipient_name: string
  title: string
  issued_at: string | null
  expires_at: string | null
  /** The date printed as the issue date and the last valid day (YYYY-MM-DD), as on the PDF. */
  issue_date: string
  expiry_date: string | null
  issuer: { name: string }
  revoked_at?: string | null
  revocation_reason?: string | null
  superseded_by_url?: string
}

/**
 * The columns of a certificate that public verification reads: its page,
 * JSON, PDF, logo and view event. A certificate found by its token or its
 * bytes is loaded with these only (a scan reads most rows once, so what it
 * hydrates is its cost) and typed as such, so code reading anything else
 * from it does not compile.
 */
const VERIFIED_COLUMNS = [
  'id',
  'organization_id',
  'status',
  'certificate_number',
  'recipient_name',
  'title',
  'issue_date',
  'expiry_date',
  'issued_at',
  'expires_at',
  'revoked_at',
  'revocation_reason',
  'superseded_at',
  'superseded_by_certificate_id',
  'certificate_file_id',
  'sha256',
  'verification_token_hash',
  // Not shown: it tells the read-ahead which job is being scanned.
  'generation_job_id',
]

export type VerifiedCertificate = Pick<
  Certificate,
  | 'id'
  | 'organizationId'
  | 'status'
  | 'certificateNumber'
  | 'recipientName'
  | 'title'
  | 'issueDate'
  | 'expiryDate'
  | 'issuedAt'
  | 'expiresAt'
  | 'revokedAt'
  | 'revocationReason'
  | 'supersededAt'
  | 'supersededByCertificateId'
  | 'certificateFileId'
  | 'sha256'
  | 'verificationTokenHash'
>

export interface Verification {
  certificate: VerifiedCertificate
  issuer: Issuer
  view: VerificationView
}

/** Verification tokens are 24 bytes base64url (32 characters); anything far from that is not looked up. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{16,128}$/

const iso = (value: DateTime | null) => value?.toUTC().toISO() ?? null

const hydrated = (row: Record<string, unknown>): VerifiedCertificate =>
  Certificate.$createFromAdapterResult(row)!

/**
 * The rows the read-ahead reads (#certificates/services/verification_cache): the newest
 * certificates, newest change first, by keyset pages of the change feed's index (`updated_at`,
 * token hash); and a job's being scanned, by keyset pages of its (`generation_job_id`, `id`) index.
 */
readAheadWith(
  (limit, before) => {
    const query = db
      .from(Certificate.table)
      .select([...VERIFIED_COLUMNS, 'updated_at'])
      .whereNot('status', 'pending')
      .orderBy([
        { column: 'updated_at', order: 'desc' },
        { column: 'verification_token_hash', order: 'desc' },
      ])
      .limit(limit)
    return before ? pastChangeCursor(query, before, '<') : query
  },
  (jobId, limit, afterId) => {
    const query = db
      .from(Certificate.table)
      .select(VERIFIED_COLUMNS)
      .where('generation_job_id', jobId)
      .whereNot('status', 'pending')
      .orderBy('id')
      .limit(limit)
    return afterId ? query.where('id', '>', afterId) : query
  }
)

/**
 * A certificate's public view, kept per certificate object (shared while
 * the caches keep it) with the issuer and status it was made for; a
 * superseded one's names its replacement, read each time, and is not kept.
 */
const views = new WeakMap<
  VerifiedCertificate,
  { issuer: Issuer; status: PublicStatus; view: VerificationView }
>()

export function publicStatus(
  certificate: Pick<Certificate, 'status' | 'expiresAt'>,
  now = DateTime.utc()
): PublicStatus {
  switch (certificate.status) {
    case 'issued':
      return certificate.expiresAt && certificate.expiresAt <= now ? 'expired' : 'valid'
    case 'expired':
    case 'revoked':
    case 'superseded':
      return certificate.status
    default:
      throw new Error(`a ${certificate.status} certificate has no public status`)
  }
}

/**
 * Public verification, by the raw token of a link or QR code or by the bytes
 * of a PDF. `pending` certificates and those of deleted orgs do not exist
 * here: they answer exactly like an unknown token.
 *
 * A token costs one query, on the unique index of `verification_token_hash`,
 * or none when the certificate was verified in the last few seconds
 * (`services/verification_cache.ts`: a revocation saved in this process shows
 * on the next request, in another within `VERIFICATION_CERTIFICATE_TTL_MS`).
 * The issuer's name and logo come from the per-process issuer cache
 * (`services/issuer_cache.ts`); the replacement of a superseded certificate
 * is the only other query.
 */
export default class CertificateVerification {
  /** False when surely no certificate has this token (malformed, or never issued as this process knows); no query. */
  static mightExist(token: unknown): boolean {
    return typeof token === 'string' && TOKEN_SHAPE.test(token) && mightBeIssued(hashToken(token))
  }

  static async byToken(token: unknown): Promise<Verification | null> {
    if (typeof token !== 'string' || !TOKEN_SHAPE.test(token)) return null
    const tokenHash = hashToken(token)
    const certificate = await verifiedCertificate(tokenHash, async () => {
      const ahead = takeReadAhead(tokenHash)
      if (ahead) return certificateOfRow(tokenHash, ahead, hydrated)
      const row = await db
        .from(Certificate.table)
        .select(VERIFIED_COLUMNS)
        .where('verification_token_hash', tokenHash)
        .whereNot('status', 'pending')
        .first()
      if (!row) return null
      missedLookupOfJob(row.generation_job_id as string | null)
      return certificateOfRow(tokenHash, row, hydrated)
    })
    return certificate ? this.#verification(certificate) : null
  }

  /** The certificate whose recorded SHA-256 is that of these exact bytes: one changed byte matches nothing. */
  static async byDocument(bytes: Uint8Array): Promise<Verification | null> {
    const certificate = await Certificate.query()
      .select(VERIFIED_COLUMNS)
      .where('sha256', sha256Hex(bytes))
      .whereNot('status', 'pending')
      .orderBy('created_at', 'desc')
      .first()
    return certificate ? this.#verification(certificate) : null
  }

  /**
   * A file whose bytes match no certificate but which names one of our
   * verification links (a certificate re-saved or edited): the certificate
   * it was made from, or null. Never a match for the file itself.
   */
  static async alteredFrom(bytes: Uint8Array): Promise<Verification | null> {
    for (const token of await verificationTokensOf(bytes)) {
      const verification = await this.byToken(token)
      if (verification) return verification
    }
    return null
  }

  /** The issuer's newest logo (Settings → Branding), shown above its name; null when it has none. */
  static async issuerLogo(issuer: Issuer) {
    return issuer.logo
  }

  static async #verification(certificate: VerifiedCertificate): Promise<Verification | null> {
    const issuer = await issuerOf(certificate.organizationId)
    if (!issuer) return null
    const status = publicStatus(certificate)
    const kept = views.get(certificate)
    if (kept && kept.issuer === issuer && kept.status === status) {
      return { certificate, issuer, view: kept.view }
    }
    const view: VerificationView = {
      status,
      certificate_number: certificate.certificateNumber,
      recipient_name: certificate.recipientName,
      title: certificate.title,
      issued_at: iso(certificate.issuedAt),
      expires_at: iso(certificate.expiresAt),
      issue_date: certificate.issueDate,
      expiry_date: certificate.expiryDate,
      issuer: { name: issuer.name },
    }
    if (status === 'revoked') {
      view.revoked_at = iso(certificate.revokedAt)
      view.revocation_reason = certificate.revocationReason
    }
    if (status === 'superseded') {
      const replacement = await this.#replacement(certificate)
      if (replacement) view.superseded_by_url = verificationUrl(replacement.id)
    } else {
      views.set(certificate, { issuer, status, view })
    }
    return { certificate, issuer, view }
  }

  /** The certificate that replaced this one, once it is issued (a reissue still being drawn is not linked yet). */
  static #replacement(certificate: VerifiedCertificate) {
    if (!certificate.supersededByCertificateId) return null
    return Certificate.query()
      .where('organization_id', certificate.organizationId)
      .where('id', certificate.supersededByCertificateId)
      .whereNot('status', 'pending')
      .first()
  }
}
