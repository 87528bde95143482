import type Organization from '#orgs/models/organization'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import OrganizationRole from '#orgs/models/organization_role'
import OrganizationMember from '#orgs/models/organization_member'
import { lockOrganization } from '#orgs/queries/owner_count'
import { recordId } from '#orgs/queries/record_id'

export const MEMBERS_PER_PAGE = 25

/** The org's current members (active and suspended), oldest first. */
export default class MemberDirectory {
  static async page(org: Organization, page: number, perPage = MEMBERS_PER_PAGE) {
    const members = await OrganizationMember.query()
      .where('organization_id', org.id)
      .whereNull('deleted_at')
      .whereIn('status', ['active', 'suspended'])
      .preload('user', (user) => user.preload('profile'))
      .preload('role')
      .orderBy('created_at', 'asc')
      .orderBy('id', 'asc')
      .paginate(Math.max(1, page), perPage)
    members.baseUrl('/members')
    return members
  }

  /** One current member, loaded through the org (another org's id is a 404). */
  static async find(org: Organization, id: string) {
    return OrganizationMember.query()
      .where('organization_id', org.id)
      .where('id', recordId(id))
      .whereNull('deleted_at')
      .preload('user', (user) => user.preload('profile'))
      .preload('role')
      .firstOrFail()
  }

  /** The roles a member can be given, system roles first. */
  /**
   * Inside a write: locks the org (so owner counts can't race) and loads a
   * live member of it with its role; another org's id is a 404.
   */
  static async lockedForChange(
    org: Organization,
    memberId: string,
    trx: TransactionClientContract
  ) {
    await lockOrganization(org.id, trx)
    return OrganizationMember.query({ client: trx })
      .where('organization_id', org.id)
      .where('id', memberId)
      .whereNull('deleted_at')
      .preload('role')
      .firstOrFail()
  }

  static async roles(org: Organization) {
    return OrganizationRole.query()
      .where('organization_id', org.id)
      .orderBy('is_system', 'desc')
      .orderBy('name', 'asc')
  }
}
