import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import OrganizationMember from '#orgs/models/organization_member'

/**
 * Serialises changes to an org's membership: PostgreSQL locks the org row
 * until the transaction ends (SQLite already runs one writer at a time), so
 * two owners demoting each other at once cannot leave the org ownerless.
 */
export async function lockOrganization(organizationId: string, trx: TransactionClientContract) {
  await trx.from('organizations').where('id', organizationId).forUpdate().select('id').first()
}

/** Active owners of the org, optionally leaving one membership out of the count. */
export async function activeOwnerCount(
  organizationId: string,
  trx: TransactionClientContract,
  excludingMemberId?: string
) {
  const query = OrganizationMember.query({ client: trx })
    .where('organization_id', organizationId)
    .where('status', 'active')
    .whereNull('deleted_at')
    .whereHas('role', (role) => role.where('key', 'owner').where('is_system', true))
  if (excludingMemberId) query.whereNot('id', excludingMemberId)
  const [row] = await query.count('* as total')
  return Number(row.$extras.total)
}
