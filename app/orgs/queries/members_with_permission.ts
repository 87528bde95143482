import db from '@adonisjs/lucid/services/db'
import type { Permission } from '#orgs/policies/permissions'

/**
 * The addresses of each org's active members whose role grants `permission`
 * (who gets invoices): org id → addresses, orgs without any absent.
 */
export async function emailsOfMembersWithByOrg(
  orgIds: string[],
  permission: Permission
): Promise<Map<string, string[]>> {
  const byOrg = new Map<string, string[]>()
  if (orgIds.length === 0) return byOrg
  const rows = await db
    .from('organization_members as m')
    .join('role_permissions as rp', 'rp.role_id', 'm.role_id')
    .join('users as u', 'u.id', 'm.user_id')
    .whereIn('m.organization_id', orgIds)
    .where('m.status', 'active')
    .where('rp.permission', permission)
    .distinct('m.organization_id', 'u.email')
    .orderBy('u.email')
  for (const row of rows) {
    const emails = byOrg.get(row.organization_id) ?? []
    emails.push(String(row.email))
    byOrg.set(row.organization_id, emails)
  }
  return byOrg
}
