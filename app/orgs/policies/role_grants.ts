import type OrganizationRole from '#orgs/models/organization_role'
import type OrgActor from '#orgs/policies/org_actor'
import type { Permission } from '#orgs/policies/permissions'

/** The system owner role: every org keeps at least one active member holding it. */
export function isOwnerRole(role: Pick<OrganizationRole, 'key' | 'isSystem'>) {
  return role.isSystem && role.key === 'owner'
}

/** Whether the acting member holds the owner role of the current org. */
export function actorIsOwner(actor: OrgActor) {
  const role = actor.member.role
  if (!role) throw new Error('the acting membership must have its role loaded')
  return isOwnerRole(role)
}

/**
 * Permissions in `permissions` the actor does not hold. Nobody can hand out
 * (through a role, an invitation or a custom role's permission set) more than
 * they hold themselves, so `members.manage` never escalates to `billing.manage`.
 */
export function permissionsBeyond(actor: OrgActor, permissions: readonly Permission[]) {
  return permissions.filter((permission) => !actor.can(permission))
}
