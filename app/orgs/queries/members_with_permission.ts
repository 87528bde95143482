import db from '@adonisjs/lucid/services/db'
import type Organization from '#orgs/models/organization'
import type { Permission } from '#orgs/policies/permissions'

/** The email addresses of the org's active members whose role grants `permission` (e.g. who gets invoices). */
export async function emailsOfMembersWith(
  org: Pick<Organization, 'id'>,
  permission: Permission
): Promise<string[]> {
  const rows = await db
    .from('organization_members as m')
    .join('role_permissions as rp', 'rp.role_id', 'm.role_id')
    .join('users as u', 'u.id', 'm.user_id')
    .where('m.organization_id', org.id)
    .where('m.status', 'active')
    .where('rp.permission', permission)
    .distinct('u.email')
    .orderBy('u.email')
  return rows.map((row) => String(row.email))
}
