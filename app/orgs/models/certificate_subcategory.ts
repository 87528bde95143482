import { DateTime } from 'luxon'
import { column } from '@adonisjs/lucid/orm'
import { AppModel } from '#core/models/app_model'

/** Global when organizationId is null; otherwise an org's own entry. */
export default class CertificateSubcategory extends AppModel {
  @column()
  declare categoryId: string

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
}
