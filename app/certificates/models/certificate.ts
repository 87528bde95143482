import { DateTime } from 'luxon'
import { afterSave, belongsTo, column, scope } from '@adonisjs/lucid/orm'
import type { BelongsTo } from '@adonisjs/lucid/types/relations'
import { TimestampedModel } from '#core/models/app_model'
import { jsonColumn } from '#core/models/columns'
import CertificateTemplate from '#templates/models/certificate_template'
import {
  forgetVerifiedCertificate,
  forgetVerifiedCertificateHere,
} from '#certificates/services/verification_cache'

/** `pending` is internal (a number held while the PDF is drawn); the others are what anyone sees. */
export const CERTIFICATE_STATUSES = ['issued', 'expired', 'revoked', 'superseded'] as const
export type CertificateStatus = (typeof CERTIFICATE_STATUSES)[number] | 'pending'

export function isCertificateStatus(
  value: unknown
): value is (typeof CERTIFICATE_STATUSES)[number] {
  return typeof value === 'string' && (CERTIFICATE_STATUSES as readonly string[]).includes(value)
}

/**
 * The lifecycle: which status may follow which. `pending` becomes `issued` when its PDF is
 * stored; a certificate in force (issued, or expired by date) can be revoked or superseded by a
 * reissue; revoked and superseded are final.
 */
const NEXT: Record<CertificateStatus, readonly CertificateStatus[]> = {
  pending: ['issued'],
  issued: ['expired', 'revoked', 'superseded'],
  expired: ['revoked', 'superseded'],
  revoked: [],
  superseded: [],
}

/** A lifecycle change that did not happen: the certificate is no longer in force. */
export type NotInForce = { kind: 'not_in_force'; status: CertificateStatus }

const toNumber = (value: unknown) => (value === null || value === undefined ? value : Number(value))

/** One certificate: a recipient × a template version, numbered, with its PDF and lifecycle (design §5.6). */
export default class Certificate extends TimestampedModel {
  static table = 'certificates'

  @column()
  declare organizationId: string

  @column()
  declare generationJobId: string | null

  @column()
  declare generationJobRecipientId: string | null

  @column()
  declare generationJobChunkId: string | null

  @column()
  declare templateId: string

  @column()
  declare templateVersionId: string

  @column()
  declare categoryId: string | null

  @column()
  declare subcategoryId: string | null

  /** What the certificate is for: the course name, else the template's name. */
  @column()
  declare title: string

  @column()
  declare recipientName: string

  @column()
  declare recipientEmail: string | null

  @column()
  declare recipientPhone: string | null

  @jsonColumn()
  declare recipientData: Record<string, string>

  @column()
  declare certificateNumber: string

  @column({ consume: toNumber })
  declare sequenceNumber: number

  @column()
  declare status: CertificateStatus

  /** The date printed as the issue date (YYYY-MM-DD). */
  @column()
  declare issueDate: string

  /** The last day the certificate is valid (YYYY-MM-DD), if it expires. */
  @column()
  declare expiryDate: string | null

  @column.dateTime()
  declare issuedAt: DateTime | null

  /** The instant it stops being valid: the start of the day after `expiryDate`, UTC. */
  @column.dateTime()
  declare expiresAt: DateTime | null

  @column.dateTime()
  declare revokedAt: DateTime | null

  @column()
  declare revocationReason: string | null

  @column()
  declare revokedBy: string | null

  @column()
  declare reissuedFromCertificateId: string | null

  @column()
  declare supersededByCertificateId: string | null

  @column.dateTime()
  declare supersededAt: DateTime | null

  @column()
  declare certificateFileId: string | null

  @column()
  declare certificatePreviewFileId: string | null

  /** SHA-256 of the exact PDF bytes served, lowercase hex. */
  @column({ columnName: 'sha256' })
  declare sha256: string | null

  @column()
  declare verificationTokenHash: string

  @column()
  declare failureMessage: string | null

  @column()
  declare createdBy: string | null

  @belongsTo(() => CertificateTemplate, { foreignKey: 'templateId' })
  declare template: BelongsTo<typeof CertificateTemplate>

  /** Issued and past its `expires_at`: what the expiry sweep turns `expired`, in one UPDATE. */
  static dueToExpire = scope((query, at: string | Date) => {
    query.where('status', 'issued').whereNotNull('expires_at').where('expires_at', '<=', at)
  })

  /**
   * Public verification keeps certificates in memory for a few seconds
   * (`services/verification_cache.ts`): a saved change (a revocation, a
   * reissue) is forgotten there at once and again when its transaction
   * commits (a scan in between read the row as it was), so the next scan
   * shows it.
   */
  @afterSave()
  static forgetVerification(certificate: Certificate) {
    const tokenHash = certificate.verificationTokenHash
    if (!certificate.$trx) return forgetVerifiedCertificate(tokenHash)
    forgetVerifiedCertificateHere(tokenHash)
    certificate.$trx.after('commit', () => forgetVerifiedCertificate(tokenHash))
  }

  canBecome(status: CertificateStatus) {
    return NEXT[this.status].includes(status)
  }

  /** Valid or expired by date: it can still be revoked or replaced by a corrected one. */
  get isInForce() {
    return this.canBecome('revoked')
  }

  /** Revoked with a reason, which its verification page shows with the date. Not saved. */
  revoke(by: {
    userId: string | null
    reason: string
    at?: DateTime
  }): { kind: 'ok' } | NotInForce {
    if (!this.canBecome('revoked')) return { kind: 'not_in_force', status: this.status }
    this.status = 'revoked'
    this.revokedAt = by.at ?? DateTime.utc()
    this.revocationReason = by.reason
    this.revokedBy = by.userId
    return { kind: 'ok' }
  }

  /** Replaced by a corrected certificate (a reissue), which its verification page points to. Not saved. */
  supersedeBy(replacement: Certificate, at = DateTime.utc()): { kind: 'ok' } | NotInForce {
    if (!this.canBecome('superseded')) return { kind: 'not_in_force', status: this.status }
    this.status = 'superseded'
    this.supersededByCertificateId = replacement.id
    this.supersededAt = at
    return { kind: 'ok' }
  }
}
