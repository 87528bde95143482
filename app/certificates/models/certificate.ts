import type { DateTime } from 'luxon'
import { belongsTo, column } from '@adonisjs/lucid/orm'
import type { BelongsTo } from '@adonisjs/lucid/types/relations'
import { TimestampedModel } from '#core/models/app_model'
import { jsonColumn } from '#core/models/columns'
import CertificateTemplate from '#templates/models/certificate_template'

/** `pending` is internal (a number held while the PDF is drawn); the others are what anyone sees. */
export const CERTIFICATE_STATUSES = ['issued', 'expired', 'revoked', 'superseded'] as const
export type CertificateStatus = (typeof CERTIFICATE_STATUSES)[number] | 'pending'

export function isCertificateStatus(
  value: unknown
): value is (typeof CERTIFICATE_STATUSES)[number] {
  return typeof value === 'string' && (CERTIFICATE_STATUSES as readonly string[]).includes(value)
}

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
}
