import { DateTime } from 'luxon'
import { belongsTo, column } from '@adonisjs/lucid/orm'
import type { BelongsTo } from '@adonisjs/lucid/types/relations'
import { TimestampedModel } from '#core/models/app_model'
import OrganizationRole from '#orgs/models/organization_role'
import Organization from '#orgs/models/organization'

export type InviteStatus = 'pending' | 'accepted' | 'revoked' | 'expired'

export default class OrganizationInvitation extends TimestampedModel {
  @column()
  declare organizationId: string

  @column()
  declare email: string

  @column()
  declare roleId: string

  @column()
  declare status: InviteStatus

  @column({ serializeAs: null })
  declare tokenHash: string

  @column.dateTime()
  declare expiresAt: DateTime

  @column()
  declare invitedBy: string | null

  @column()
  declare acceptedBy: string | null

  @column.dateTime()
  declare acceptedAt: DateTime | null

  @column.dateTime()
  declare lastSentAt: DateTime | null

  @column()
  declare sendCount: number

  @belongsTo(() => OrganizationRole, { foreignKey: 'roleId' })
  declare role: BelongsTo<typeof OrganizationRole>

  @belongsTo(() => Organization)
  declare organization: BelongsTo<typeof Organization>

  /** Pending but past its expiry counts as expired even before a sweep marks it. */
  get effectiveStatus(): InviteStatus {
    return this.status === 'pending' && this.expiresAt <= DateTime.now() ? 'expired' : this.status
  }
}
