import type { DateTime } from 'luxon'
import { belongsTo, column, hasMany } from '@adonisjs/lucid/orm'
import type { BelongsTo, HasMany } from '@adonisjs/lucid/types/relations'
import { AppModel } from '#core/models/app_model'
import { jsonColumn } from '#core/models/columns'
import StoredFile from '#core/models/stored_file'
import CertificateTemplateField from '#templates/models/certificate_template_field'
import type { SourceKind } from '#templates/services/template_source'

export interface VersionMeta {
  source_kind: SourceKind
  /** 1-based page of the upload this version uses. */
  page: number
  page_count: number
  /** The upload's /Rotate of that page, already applied to the source. */
  rotation: number
  /** Every page of the upload, as displayed, points. */
  pages: Array<{ width: number; height: number }>
  /** Pixel size of the background preview. */
  background_width: number
  background_height: number
}

/**
 * An immutable snapshot of a template: its normalised source page and its
 * fields. Never updated after creation: a change is a new version.
 */
export default class CertificateTemplateVersion extends AppModel {
  static table = 'certificate_template_versions'

  @column()
  declare templateId: string

  @column()
  declare organizationId: string

  @column()
  declare versionNumber: number

  /** The normalised one-page PDF that certificates are drawn on. */
  @column()
  declare sourceFileId: string

  /** The upload as received (kept to pick another page of it later). */
  @column()
  declare originalFileId: string | null

  /** PNG of the empty page, the designer's canvas. */
  @column()
  declare backgroundFileId: string

  /** WebP of the page drawn with sample data, shown in lists. */
  @column()
  declare previewFileId: string | null

  @column({ consume: (value: unknown) => Number(value) })
  declare pageWidth: number

  @column({ consume: (value: unknown) => Number(value) })
  declare pageHeight: number

  @jsonColumn()
  declare meta: VersionMeta

  @column()
  declare changeNote: string | null

  @column()
  declare createdBy: string | null

  @column.dateTime({ autoCreate: true })
  declare createdAt: DateTime

  @hasMany(() => CertificateTemplateField, { foreignKey: 'templateVersionId' })
  declare fields: HasMany<typeof CertificateTemplateField>

  @belongsTo(() => StoredFile, { foreignKey: 'sourceFileId' })
  declare sourceFile: BelongsTo<typeof StoredFile>
}
