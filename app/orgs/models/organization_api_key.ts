import { DateTime } from 'luxon'
import { column } from '@adonisjs/lucid/orm'
import { TimestampedModel } from '#core/models/app_model'

export default class OrganizationApiKey extends TimestampedModel {
  @column()
  declare organizationId: string

  @column()
  declare name: string

  /** First characters of the key, shown so people can tell keys apart. */
  @column()
  declare prefix: string

  @column({ serializeAs: null })
  declare keyHash: string

  @column()
  declare createdBy: string | null

  @column.dateTime()
  declare lastUsedAt: DateTime | null

  @column.dateTime()
  declare revokedAt: DateTime | null

  get isActive() {
    return this.revokedAt === null
  }
}
