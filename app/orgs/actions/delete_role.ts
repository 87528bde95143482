import db from '@adonisjs/lucid/services/db'
import RecordAudit, { type AuditInput } from '#core/actions/record_audit'
import type Organization from '#orgs/models/organization'
import OrganizationRole from '#orgs/models/organization_role'
import OrganizationMember from '#orgs/models/organization_member'
import OrganizationInvitation from '#orgs/models/organization_invitation'
import type OrgActor from '#orgs/policies/org_actor'
import { permissionsBeyond } from '#orgs/policies/role_grants'
import type { Permission } from '#orgs/policies/permissions'
import RoleCatalogue from '#orgs/queries/role_catalogue'

export interface DeleteRoleInput {
  org: Organization
  actor: OrgActor
  roleId: string
  origin?: AuditInput['origin']
}

export type DeleteRoleResult =
  | { kind: 'deleted'; role: OrganizationRole }
  | { kind: 'system_role' }
  | { kind: 'in_use'; members: number; invitations: number }
  | { kind: 'permissions_not_held'; permissions: Permission[] }

/**
 * Deletes a custom role nobody uses: no active or suspended member and no
 * pending invitation. Rows that only keep history (removed members, closed
 * invitations) move to the system "member" role so the history survives.
 */
export default class DeleteRole {
  static async handle(input: DeleteRoleInput): Promise<DeleteRoleResult> {
    return db.transaction(async (trx) => {
      const role = await RoleCatalogue.lockedForChange(input.org, input.roleId, trx)
      if (role.isSystem) return { kind: 'system_role' as const }
      const permissions = await role.permissions(trx)
      const beyond = permissionsBeyond(input.actor, permissions)
      if (beyond.length) return { kind: 'permissions_not_held' as const, permissions: beyond }

      const [members] = await OrganizationMember.query({ client: trx })
        .where('role_id', role.id)
        .whereNull('deleted_at')
        .whereIn('status', ['active', 'suspended'])
        .count('* as total')
      const [invitations] = await OrganizationInvitation.query({ client: trx })
        .where('role_id', role.id)
        .where('status', 'pending')
        .count('* as total')
      const inUse = {
        members: Number(members.$extras.total),
        invitations: Number(invitations.$extras.total),
      }
      if (inUse.members || inUse.invitations) return { kind: 'in_use' as const, ...inUse }

      const fallback = await OrganizationRole.query({ client: trx })
        .where('organization_id', input.org.id)
        .where('key', 'member')
        .where('is_system', true)
        .firstOrFail()
      await OrganizationMember.query({ client: trx })
        .where('role_id', role.id)
        .update({ role_id: fallback.id })
      await OrganizationInvitation.query({ client: trx })
        .where('role_id', role.id)
        .update({ role_id: fallback.id })
      await role.useTransaction(trx).delete()
      await RecordAudit.handle(
        {
          action: 'role.deleted',
          organizationId: input.org.id,
          actorUserId: input.actor.user.id,
          entityType: 'organization_role',
          entityId: role.id,
          severity: 'warning',
          origin: input.origin,
          metadata: { key: role.key, name: role.name, permissions },
        },
        trx
      )
      return { kind: 'deleted' as const, role }
    })
  }
}
