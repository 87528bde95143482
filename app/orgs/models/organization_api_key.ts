import { DateTime } from 'luxon'
import { belongsTo, column } from '@adonisjs/lucid/orm'
import type { BelongsTo } from '@adonisjs/lucid/types/relations'
import { TimestampedModel } from '#core/models/app_model'
import User from '#identity/models/user'

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

  @belongsTo(() => User, { foreignKey: 'createdBy' })
  declare creator: BelongsTo<typeof User>

  get isActive() {
    return this.revokedAt === null
  }
}
