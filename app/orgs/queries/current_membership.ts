import type User from '#identity/models/user'
import OrganizationMember from '#orgs/models/organization_member'
import type { Permission } from '#orgs/policies/permissions'

/**
 * The user's active memberships in live orgs, oldest first. The current org is
 * always one of these, whatever id the client sends.
 */
export default class CurrentMembership {
  static activeFor(user: User) {
    return OrganizationMember.query()
      .where('user_id', user.id)
      .where('status', 'active')
      .whereNull('deleted_at')
      .whereHas('organization', (org) => org.whereNull('deleted_at'))
      .preload('organization')
      .preload('role')
      .orderBy('created_at', 'asc')
      .orderBy('id', 'asc')
  }

  static async resolve(user: User, preferredOrgId: string | null | undefined) {
    const memberships = await this.activeFor(user)
    const member =
      memberships.find((m) => m.organizationId === preferredOrgId) ?? memberships[0] ?? null
    if (!member) return { memberships, member: null, permissions: new Set<Permission>() }
    const permissions = new Set(await member.role.permissions())
    return { memberships, member, permissions }
  }
}
