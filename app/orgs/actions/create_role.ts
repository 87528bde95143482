import db from '@adonisjs/lucid/services/db'
import RecordAudit, { type AuditInput } from '#core/actions/record_audit'
import type Organization from '#orgs/models/organization'
import OrganizationRole from '#orgs/models/organization_role'
import type OrgActor from '#orgs/policies/org_actor'
import type { Permission } from '#orgs/policies/permissions'
import { permissionsBeyond } from '#orgs/policies/role_grants'
import { roleKeyFrom, roleNameTaken } from '#orgs/actions/role_key'

export interface CreateRoleInput {
  org: Organization
  actor: OrgActor
  name: string
  description: string | null
  permissions: Permission[]
  origin?: AuditInput['origin']
}

export type CreateRoleResult =
  | { kind: 'created'; role: OrganizationRole }
  | { kind: 'name_taken' }
  | { kind: 'permissions_not_held'; permissions: Permission[] }

/** Creates a custom role; its key comes from the name and is unique in the org. */
export default class CreateRole {
  static async handle(input: CreateRoleInput): Promise<CreateRoleResult> {
    const name = input.name.trim()
    const key = roleKeyFrom(name)
    const permissions = [...new Set(input.permissions)]
    const beyond = permissionsBeyond(input.actor, permissions)
    if (beyond.length) return { kind: 'permissions_not_held', permissions: beyond }

    return db.transaction(async (trx) => {
      if (await roleNameTaken(input.org.id, name, key, trx)) return { kind: 'name_taken' as const }
      const role = await OrganizationRole.create(
        {
          organizationId: input.org.id,
          key,
          name,
          description: input.description?.trim() || null,
          isSystem: false,
        },
        { client: trx }
      )
      await role.setPermissions(permissions, trx)
      await RecordAudit.handle(
        {
          action: 'role.created',
          organizationId: input.org.id,
          actorUserId: input.actor.user.id,
          entityType: 'organization_role',
          entityId: role.id,
          origin: input.origin,
          metadata: { key, name, permissions: [...permissions].sort() },
        },
        trx
      )
      return { kind: 'created' as const, role }
    })
  }
}
