import { randomBytes } from 'node:crypto'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import OrganizationRole from '#orgs/models/organization_role'

/** A role's key from its name: lowercase ASCII words joined by underscores. */
export function roleKeyFrom(name: string) {
  const key = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 48)
    .replace(/_+$/g, '')
  // Names in other scripts have no ASCII letters; they still need a key.
  return key.length >= 2 ? key : `role_${randomBytes(4).toString('hex')}`
}

/**
 * Whether another role of the org already has this name (case-insensitive)
 * or the key derived from it, system roles included.
 */
export async function roleNameTaken(
  organizationId: string,
  name: string,
  key: string,
  trx: TransactionClientContract,
  exceptRoleId?: string
) {
  const query = OrganizationRole.query({ client: trx }).where('organization_id', organizationId)
  if (exceptRoleId) query.whereNot('id', exceptRoleId)
  // An org has a handful of roles: compared here, names fold case the same way on both engines.
  const lowered = name.trim().toLowerCase()
  const roles = await query.select('key', 'name')
  return roles.some((role) => role.key === key || role.name.trim().toLowerCase() === lowered)
}
