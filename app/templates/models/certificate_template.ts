import { DateTime } from 'luxon'
import { belongsTo, column, hasMany } from '@adonisjs/lucid/orm'
import type { BelongsTo, HasMany } from '@adonisjs/lucid/types/relations'
import { TimestampedModel } from '#core/models/app_model'
import CertificateCategory from '#orgs/models/certificate_category'
import CertificateSubcategory from '#orgs/models/certificate_subcategory'
import CertificateTemplateVersion from '#templates/models/certificate_template_version'

export const TEMPLATE_STATUSES = ['draft', 'active', 'archived'] as const
export type TemplateStatus = (typeof TEMPLATE_STATUSES)[number]

/** What a status change did, or why it did nothing; `event` names the audit entry. */
export type TemplateTransition =
  | { kind: 'changed'; from: TemplateStatus; event: string }
  | { kind: 'unchanged' }
  | { kind: 'archived' }
  | { kind: 'no_fields' }

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

  /*
   * The legal moves of a template's status (unsaved; the caller saves and
   * audits): draft → active when it has fields (else it would issue blank
   * certificates), active → draft, draft or active → archived, archived →
   * draft. An archived template is restored before it can be activated.
   */

  activate(fieldCount: number): TemplateTransition {
    if (this.status === 'active') return { kind: 'unchanged' }
    if (this.status === 'archived') return { kind: 'archived' }
    if (fieldCount === 0) return { kind: 'no_fields' }
    return this.moveTo('active', 'template.activated')
  }

  deactivate(): TemplateTransition {
    if (this.status !== 'active') return { kind: 'unchanged' }
    return this.moveTo('draft', 'template.deactivated')
  }

  archive(): TemplateTransition {
    if (this.status === 'archived') return { kind: 'unchanged' }
    return this.moveTo('archived', 'template.archived')
  }

  restore(): TemplateTransition {
    if (this.status !== 'archived') return { kind: 'unchanged' }
    return this.moveTo('draft', 'template.restored')
  }

  private moveTo(to: TemplateStatus, event: string): TemplateTransition {
    const from = this.status
    this.status = to
    this.archivedAt = to === 'archived' ? DateTime.utc() : null
    return { kind: 'changed', from, event }
  }
}
