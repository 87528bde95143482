import { DateTime } from 'luxon'
import { belongsTo, column } from '@adonisjs/lucid/orm'
import type { BelongsTo } from '@adonisjs/lucid/types/relations'
import { TimestampedModel } from '#core/models/app_model'
import User from '#identity/models/user'

export default class PasswordResetToken extends TimestampedModel {
  @column()
  declare userId: string

  @column({ serializeAs: null })
  declare tokenHash: string

  @column.dateTime()
  declare expiresAt: DateTime

  @column.dateTime()
  declare usedAt: DateTime | null

  @belongsTo(() => User)
  declare user: BelongsTo<typeof User>

  get isUsable() {
    return this.usedAt === null && this.expiresAt > DateTime.now()
  }
}
