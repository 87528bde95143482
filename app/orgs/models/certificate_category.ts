import { DateTime } from 'luxon'
import { column, hasMany } from '@adonisjs/lucid/orm'
import type { HasMany } from '@adonisjs/lucid/types/relations'
import { AppModel } from '#core/models/app_model'
import CertificateSubcategory from '#orgs/models/certificate_subcategory'

/** Global when organizationId is null; otherwise an org's own entry. */
export default class CertificateCategory extends AppModel {
  @column()
  declare industryId: string

  @column()
  declare organizationId: string | null

  @column()
  declare key: string

  @column()
  declare name: string

  @column()
  declare sortOrder: number

  @column.dateTime({ autoCreate: true })
  declare createdAt: DateTime

  @hasMany(() => CertificateSubcategory, { foreignKey: 'categoryId' })
  declare subcategories: HasMany<typeof CertificateSubcategory>
}
