import { DateTime } from 'luxon'
import hash from '@adonisjs/core/services/hash'
import { compose } from '@adonisjs/core/helpers'
import { column, hasOne } from '@adonisjs/lucid/orm'
import type { HasOne } from '@adonisjs/lucid/types/relations'
import { withAuthFinder } from '@adonisjs/auth/mixins/lucid'
import { DbRememberMeTokensProvider } from '@adonisjs/auth/session'
import { TimestampedModel } from '#core/models/app_model'
import { booleanColumn } from '#core/models/columns'
import Profile from '#identity/models/profile'

const AuthFinder = withAuthFinder(() => hash.use('scrypt'), {
  uids: ['email'],
  passwordColumnName: 'password',
})

export default class User extends compose(TimestampedModel, AuthFinder) {
  static rememberMeTokens = DbRememberMeTokensProvider.forModel(User)

  @column()
  declare email: string

  @column({ serializeAs: null })
  declare password: string

  @booleanColumn()
  declare isPlatformStaff: boolean

  @column.dateTime()
  declare disabledAt: DateTime | null

  @column.dateTime()
  declare lastLoginAt: DateTime | null

  @hasOne(() => Profile, { foreignKey: 'id' })
  declare profile: HasOne<typeof Profile>

  get isDisabled() {
    return this.disabledAt !== null
  }

  static normalizeEmail(email: string) {
    return email.trim().toLowerCase()
  }
}
