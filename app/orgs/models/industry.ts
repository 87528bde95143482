import { DateTime } from 'luxon'
import { column, hasMany } from '@adonisjs/lucid/orm'
import type { HasMany } from '@adonisjs/lucid/types/relations'
import { AppModel } from '#core/models/app_model'
import CertificateCategory from '#orgs/models/certificate_category'

export default class Industry extends AppModel {
  @column()
  declare key: string

  @column()
  declare name: string

  @column.dateTime({ autoCreate: true })
  declare createdAt: DateTime

  @hasMany(() => CertificateCategory)
  declare categories: HasMany<typeof CertificateCategory>
}
