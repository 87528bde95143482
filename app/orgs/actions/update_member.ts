import db from '@adonisjs/lucid/services/db'
import RecordAudit, { type AuditInput } from '#core/actions/record_audit'
import type Organization from '#orgs/models/organization'
import OrganizationMember from '#orgs/models/organization_member'
import OrganizationRole from '#orgs/models/organization_role'
import type OrgActor from '#orgs/policies/org_actor'
import { actorIsOwner, isOwnerRole, permissionsBeyond } from '#orgs/policies/role_grants'
import { activeOwnerCount } from '#orgs/queries/owner_count'
import MemberDirectory from '#orgs/queries/member_directory'

export interface UpdateMemberInput {
  org: Organization
  actor: OrgActor
  /** Loaded through the org by the caller. */
  memberId: string
  roleId: string
  status: 'active' | 'suspended'
  username: string
  origin?: AuditInput['origin']
}

export type UpdateMemberResult =
  | { kind: 'updated'; member: OrganizationMember; changes: Array<'role' | 'status' | 'username'> }
  | { kind: 'role_not_found' }
  | { kind: 'owner_only' }
  | { kind: 'permissions_not_held'; permissions: string[] }
  | { kind: 'last_owner' }
  | { kind: 'cannot_suspend_self' }
  | { kind: 'username_taken' }

/**
 * Changes a member's role, status (active ↔ suspended) and username.
 * Rules: only owners grant or revoke the owner role or suspend an owner; a
 * role can only be given by someone holding all its permissions; the org
 * always keeps an active owner.
 */
export default class UpdateMember {
  static async handle(input: UpdateMemberInput): Promise<UpdateMemberResult> {
    return db.transaction(async (trx) => {
      const member = await MemberDirectory.lockedForChange(input.org, input.memberId, trx)
      const role = await OrganizationRole.query({ client: trx })
        .where('organization_id', input.org.id)
        .where('id', input.roleId)
        .first()
      if (!role) return { kind: 'role_not_found' as const }

      const username = input.username.trim().toLowerCase()
      const roleChanged = role.id !== member.roleId
      const statusChanged = input.status !== member.status
      const usernameChanged = username !== member.username
      const wasOwner = isOwnerRole(member.role)
      const willBeOwner = isOwnerRole(role)

      if (roleChanged && (wasOwner || willBeOwner) && !actorIsOwner(input.actor))
        return { kind: 'owner_only' as const }
      if (statusChanged && wasOwner && !actorIsOwner(input.actor))
        return { kind: 'owner_only' as const }
      if (roleChanged) {
        const beyond = permissionsBeyond(input.actor, await role.permissions(trx))
        if (beyond.length) return { kind: 'permissions_not_held' as const, permissions: beyond }
      }
      const staysActiveOwner = willBeOwner && input.status === 'active'
      if (wasOwner && member.status === 'active' && !staysActiveOwner) {
        if ((await activeOwnerCount(input.org.id, trx, member.id)) === 0)
          return { kind: 'last_owner' as const }
      }
      if (statusChanged && input.status === 'suspended' && member.userId === input.actor.user.id) {
        return { kind: 'cannot_suspend_self' as const }
      }
      if (usernameChanged) {
        const taken = await OrganizationMember.query({ client: trx })
          .where('organization_id', input.org.id)
          .where('username', username)
          .whereNot('id', member.id)
          .first()
        if (taken) return { kind: 'username_taken' as const }
      }

      const previous = {
        roleKey: member.role.key,
        roleName: member.role.name,
        username: member.username,
      }
      member.merge({ roleId: role.id, status: input.status, username })
      await member.useTransaction(trx).save()

      const audit = (
        action: string,
        metadata: Record<string, unknown>,
        severity: 'info' | 'warning' = 'info'
      ) =>
        RecordAudit.handle(
          {
            action,
            organizationId: input.org.id,
            actorUserId: input.actor.user.id,
            entityType: 'organization_member',
            entityId: member.id,
            severity,
            origin: input.origin,
            metadata: { user_id: member.userId, username, ...metadata },
          },
          trx
        )
      const changes: Array<'role' | 'status' | 'username'> = []
      if (roleChanged) {
        changes.push('role')
        await audit(
          'member.role_changed',
          {
            from_role: previous.roleKey,
            from_role_name: previous.roleName,
            to_role: role.key,
            to_role_name: role.name,
          },
          wasOwner || willBeOwner ? 'warning' : 'info'
        )
      }
      if (statusChanged) {
        changes.push('status')
        await audit(
          input.status === 'suspended' ? 'member.suspended' : 'member.reactivated',
          {},
          input.status === 'suspended' ? 'warning' : 'info'
        )
      }
      if (usernameChanged) {
        changes.push('username')
        await audit('member.username_changed', { from_username: previous.username })
      }
      return { kind: 'updated' as const, member, changes }
    })
  }
}
