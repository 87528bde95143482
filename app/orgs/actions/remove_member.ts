import { DateTime } from 'luxon'
import db from '@adonisjs/lucid/services/db'
import RecordAudit, { type AuditInput } from '#core/actions/record_audit'
import type Organization from '#orgs/models/organization'
import type OrganizationMember from '#orgs/models/organization_member'
import type OrgActor from '#orgs/policies/org_actor'
import { actorIsOwner, isOwnerRole } from '#orgs/policies/role_grants'
import { activeOwnerCount } from '#orgs/queries/owner_count'
import MemberDirectory from '#orgs/queries/member_directory'

export interface RemoveMemberInput {
  org: Organization
  actor: OrgActor
  memberId: string
  origin?: AuditInput['origin']
}

export type RemoveMemberResult =
  | { kind: 'removed'; member: OrganizationMember; self: boolean }
  | { kind: 'owner_only' }
  | { kind: 'last_owner' }

/**
 * Removes a member (soft: status `removed` + `deleted_at`, so the history
 * keeps its author and a later invitation reactivates the same row). Their
 * next request to this org fails because the org middleware only accepts
 * active memberships.
 */
export default class RemoveMember {
  static async handle(input: RemoveMemberInput): Promise<RemoveMemberResult> {
    return db.transaction(async (trx) => {
      const member = await MemberDirectory.lockedForChange(input.org, input.memberId, trx)
      const self = member.userId === input.actor.user.id
      const isOwner = isOwnerRole(member.role)

      if (isOwner && !self && !actorIsOwner(input.actor)) return { kind: 'owner_only' as const }
      if (
        isOwner &&
        member.status === 'active' &&
        (await activeOwnerCount(input.org.id, trx, member.id)) === 0
      ) {
        return { kind: 'last_owner' as const }
      }

      const previousStatus = member.status
      member.merge({ status: 'removed', deletedAt: DateTime.now() })
      await member.useTransaction(trx).save()
      await RecordAudit.handle(
        {
          action: 'member.removed',
          organizationId: input.org.id,
          actorUserId: input.actor.user.id,
          entityType: 'organization_member',
          entityId: member.id,
          severity: 'warning',
          origin: input.origin,
          metadata: {
            user_id: member.userId,
            username: member.username,
            role: member.role.key,
            previous_status: previousStatus,
            left_themselves: self,
          },
        },
        trx
      )
      return { kind: 'removed' as const, member, self }
    })
  }
}
