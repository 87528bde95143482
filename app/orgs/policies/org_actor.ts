import type User from '#identity/models/user'
import type Organization from '#orgs/models/organization'
import type OrganizationMember from '#orgs/models/organization_member'
import type { Permission } from '#orgs/policies/permissions'

/**
 * Who is acting in an org request: the user, the org chosen from the user's
 * own memberships, that membership, and the permission keys of its role.
 */
export default class OrgActor {
  constructor(
    readonly user: User,
    readonly org: Organization,
    readonly member: OrganizationMember,
    readonly permissions: ReadonlySet<Permission>
  ) {}

  can(permission: Permission) {
    return this.permissions.has(permission)
  }
}
