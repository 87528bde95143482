import db from '@adonisjs/lucid/services/db'
import type Organization from '#orgs/models/organization'
import { recordId } from '#orgs/queries/record_id'
import OrganizationRole from '#orgs/models/organization_role'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import { isPermission, type Permission } from '#orgs/policies/permissions'

export interface RoleSummary {
  role: OrganizationRole
  permissions: Permission[]
  members: number
  pendingInvitations: number
}

/** The org's roles with their permissions and how many members and pending invitations use each. */
export default class RoleCatalogue {
  static async for(org: Organization): Promise<{ system: RoleSummary[]; custom: RoleSummary[] }> {
    const roles = await org
      .related('roles')
      .query()
      .orderBy('is_system', 'desc')
      .orderBy('name', 'asc')
    const ids = roles.map((role) => role.id)
    if (!ids.length) return { system: [], custom: [] }

    const [permissionRows, memberRows, invitationRows] = await Promise.all([
      db
        .from('role_permissions')
        .whereIn('role_id', ids)
        .orderBy('permission')
        .select('role_id', 'permission'),
      db
        .from('organization_members')
        .where('organization_id', org.id)
        .whereIn('status', ['active', 'suspended'])
        .whereNull('deleted_at')
        .groupBy('role_id')
        .select('role_id')
        .count('* as total'),
      db
        .from('organization_invitations')
        .where('organization_id', org.id)
        .where('status', 'pending')
        .groupBy('role_id')
        .select('role_id')
        .count('* as total'),
    ])
    const counts = (rows: any[]) =>
      new Map(rows.map((row) => [row.role_id as string, Number(row.total)]))
    const memberCounts = counts(memberRows)
    const invitationCounts = counts(invitationRows)

    const summaries = roles.map((role) => ({
      role,
      permissions: permissionRows
        .filter((row) => row.role_id === role.id)
        .map((row) => row.permission as string)
        .filter(isPermission),
      members: memberCounts.get(role.id) ?? 0,
      pendingInvitations: invitationCounts.get(role.id) ?? 0,
    }))
    const order = ['owner', 'admin', 'member']
    return {
      system: summaries
        .filter((s) => s.role.isSystem)
        .sort((a, b) => order.indexOf(a.role.key) - order.indexOf(b.role.key)),
      custom: summaries.filter((s) => !s.role.isSystem),
    }
  }

  /** A custom or system role loaded through the org. */
  /** Inside a write: one of the org's roles, row-locked; another org's id is a 404. */
  static lockedForChange(org: Organization, roleId: string, trx: TransactionClientContract) {
    return OrganizationRole.query({ client: trx })
      .where('organization_id', org.id)
      .where('id', roleId)
      .forUpdate()
      .firstOrFail()
  }

  static find(org: Organization, id: string) {
    return org.related('roles').query().where('id', recordId(id)).firstOrFail()
  }
}
