import type { DateTime } from 'luxon'
import { belongsTo, column, hasMany } from '@adonisjs/lucid/orm'
import type { BelongsTo, HasMany } from '@adonisjs/lucid/types/relations'
import { TimestampedModel } from '#core/models/app_model'
import CertificateCategory from '#orgs/models/certificate_category'
import CertificateSubcategory from '#orgs/models/certificate_subcategory'
import CertificateTemplateVersion from '#templates/models/certificate_template_version'

export const TEMPLATE_STATUSES = ['draft', 'active', 'archived'] as const
export type TemplateStatus = (typeof TEMPLATE_STATUSES)[number]

/**
 * A certificate design's stable identity (design §5.4). What it looks like
 * lives in its versions; `currentVersionId` is the newest.
 */
export default class CertificateTemplate extends TimestampedModel {
  static table = 'certificate_templates'

  @column()
  declare organizationId: string

  @column()
  declare categoryId: string | null

  @column()
  declare subcategoryId: string | null

  @column()
  declare name: string

  @column()
  declare status: TemplateStatus

  @column()
  declare currentVersionId: string | null

  @column()
  declare currentVersionNumber: number

  @column()
  declare createdBy: string | null

  @column.dateTime()
  declare archivedAt: DateTime | null

  @belongsTo(() => CertificateTemplateVersion, { foreignKey: 'currentVersionId' })
  declare currentVersion: BelongsTo<typeof CertificateTemplateVersion>

  @hasMany(() => CertificateTemplateVersion, { foreignKey: 'templateId' })
  declare versions: HasMany<typeof CertificateTemplateVersion>

  @belongsTo(() => CertificateCategory, { foreignKey: 'categoryId' })
  declare category: BelongsTo<typeof CertificateCategory>

  @belongsTo(() => CertificateSubcategory, { foreignKey: 'subcategoryId' })
  declare subcategory: BelongsTo<typeof CertificateSubcategory>

  get isArchived() {
    return this.status === 'archived'
  }
}
