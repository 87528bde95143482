import { DateTime } from 'luxon'
import { belongsTo, column } from '@adonisjs/lucid/orm'
import type { BelongsTo } from '@adonisjs/lucid/types/relations'
import { TimestampedModel } from '#core/models/app_model'
import User from '#identity/models/user'
import OrganizationRole from '#orgs/models/organization_role'
import Organization from '#orgs/models/organization'

export type MemberStatus = 'active' | 'suspended' | 'removed'

export default class OrganizationMember extends TimestampedModel {
  static table = 'organization_members'

  @column()
  declare organizationId: string

  @column()
  declare userId: string

  @column()
  declare username: string

  @column()
  declare roleId: string

  @column()
  declare status: MemberStatus

  @column.dateTime()
  declare deletedAt: DateTime | null

  @belongsTo(() => User)
  declare user: BelongsTo<typeof User>

  @belongsTo(() => OrganizationRole, { foreignKey: 'roleId' })
  declare role: BelongsTo<typeof OrganizationRole>

  @belongsTo(() => Organization)
  declare organization: BelongsTo<typeof Organization>
}
