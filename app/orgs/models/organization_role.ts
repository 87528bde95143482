import db from '@adonisjs/lucid/services/db'
import { column } from '@adonisjs/lucid/orm'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import { TimestampedModel } from '#core/models/app_model'
import { booleanColumn } from '#core/models/columns'
import { isPermission, type Permission } from '#orgs/policies/permissions'

export default class OrganizationRole extends TimestampedModel {
  @column()
  declare organizationId: string

  @column()
  declare key: string

  @column()
  declare name: string

  @column()
  declare description: string | null

  @booleanColumn()
  declare isSystem: boolean

  async permissions(client?: TransactionClientContract): Promise<Permission[]> {
    const rows = await (client ?? db)
      .from('role_permissions')
      .where('role_id', this.id)
      .orderBy('permission')
      .select('permission')
    return rows.map((row) => row.permission).filter(isPermission)
  }

  /** Replaces the role's permission set (inside the caller's transaction). */
  async setPermissions(permissions: Permission[], trx: TransactionClientContract) {
    await trx.from('role_permissions').where('role_id', this.id).delete()
    const unique = [...new Set(permissions)]
    if (unique.length) {
      await trx
        .table('role_permissions')
        .multiInsert(unique.map((permission) => ({ role_id: this.id, permission })))
    }
  }
}
