import type { DateTime } from 'luxon'
import { belongsTo, column } from '@adonisjs/lucid/orm'
import type { BelongsTo } from '@adonisjs/lucid/types/relations'
import { AppModel } from '#core/models/app_model'
import CertificateTemplate from '#templates/models/certificate_template'
import CertificateTemplateVersion from '#templates/models/certificate_template_version'

/** A template of a job, pinned to the version current when the job was created. */
export default class GenerationJobTemplate extends AppModel {
  static table = 'generation_job_templates'

  @column()
  declare jobId: string

  @column()
  declare organizationId: string

  @column()
  declare templateId: string

  @column()
  declare templateVersionId: string

  @column()
  declare categoryId: string | null

  @column()
  declare subcategoryId: string | null

  @column()
  declare position: number

  @column.dateTime({ autoCreate: true })
  declare createdAt: DateTime

  @belongsTo(() => CertificateTemplate, { foreignKey: 'templateId' })
  declare template: BelongsTo<typeof CertificateTemplate>

  @belongsTo(() => CertificateTemplateVersion, { foreignKey: 'templateVersionId' })
  declare version: BelongsTo<typeof CertificateTemplateVersion>
}
