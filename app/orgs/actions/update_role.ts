import db from '@adonisjs/lucid/services/db'
import RecordAudit, { type AuditInput } from '#core/actions/record_audit'
import type Organization from '#orgs/models/organization'
import type OrganizationRole from '#orgs/models/organization_role'
import type OrgActor from '#orgs/policies/org_actor'
import type { Permission } from '#orgs/policies/permissions'
import { permissionsBeyond } from '#orgs/policies/role_grants'
import { roleKeyFrom, roleNameTaken } from '#orgs/actions/role_key'
import RoleCatalogue from '#orgs/queries/role_catalogue'

export interface UpdateRoleInput {
  org: Organization
  actor: OrgActor
  roleId: string
  name: string
  description: string | null
  permissions: Permission[]
  origin?: AuditInput['origin']
}

export type UpdateRoleResult =
  | { kind: 'updated'; role: OrganizationRole }
  | { kind: 'system_role' }
  | { kind: 'name_taken' }
  | { kind: 'permissions_not_held'; permissions: Permission[] }

/**
 * Renames a custom role and replaces its permission set. System roles are
 * fixed. Permissions the actor lacks can neither be added nor removed, so a
 * role manager cannot strip (or grant) what is above their own level.
 */
export default class UpdateRole {
  static async handle(input: UpdateRoleInput): Promise<UpdateRoleResult> {
    const name = input.name.trim()
    const requested = [...new Set(input.permissions)]

    return db.transaction(async (trx) => {
      const role = await RoleCatalogue.lockedForChange(input.org, input.roleId, trx)
      if (role.isSystem) return { kind: 'system_role' as const }

      const before = await role.permissions(trx)
      const added = requested.filter((p) => !before.includes(p))
      const removed = before.filter((p) => !requested.includes(p))
      const beyond = permissionsBeyond(input.actor, [...added, ...removed])
      if (beyond.length) return { kind: 'permissions_not_held' as const, permissions: beyond }

      const key = name === role.name ? role.key : roleKeyFrom(name)
      if (await roleNameTaken(input.org.id, name, key, trx, role.id))
        return { kind: 'name_taken' as const }

      const previous = { name: role.name, key: role.key }
      role.merge({ name, key, description: input.description?.trim() || null })
      await role.useTransaction(trx).save()
      await role.setPermissions(requested, trx)
      await RecordAudit.handle(
        {
          action: 'role.updated',
          organizationId: input.org.id,
          actorUserId: input.actor.user.id,
          entityType: 'organization_role',
          entityId: role.id,
          origin: input.origin,
          metadata: {
            key: role.key,
            name: role.name,
            ...(previous.name !== role.name
              ? { previous_name: previous.name, previous_key: previous.key }
              : {}),
            added: added.sort(),
            removed: removed.sort(),
          },
        },
        trx
      )
      return { kind: 'updated' as const, role }
    })
  }
}
