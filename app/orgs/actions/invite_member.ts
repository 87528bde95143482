import { DateTime } from 'luxon'
import db from '@adonisjs/lucid/services/db'
import RecordAudit, { type AuditInput } from '#core/actions/record_audit'
import { generateToken, hashToken } from '#core/services/tokens'
import User from '#identity/models/user'
import type Organization from '#orgs/models/organization'
import OrganizationInvitation from '#orgs/models/organization_invitation'
import OrganizationMember from '#orgs/models/organization_member'
import OrganizationRole from '#orgs/models/organization_role'
import type OrgActor from '#orgs/policies/org_actor'
import { actorIsOwner, isOwnerRole, permissionsBeyond } from '#orgs/policies/role_grants'
import { lockOrganization } from '#orgs/queries/owner_count'
import { INVITATION_TTL_DAYS, sendInvitationMail } from '#orgs/actions/invitation_mail'

export interface InviteMemberInput {
  org: Organization
  actor: OrgActor
  email: string
  roleId: string
  origin?: AuditInput['origin']
}

export type InviteMemberResult =
  | { kind: 'invited'; invitation: OrganizationInvitation; delivered: boolean }
  | { kind: 'role_not_found' }
  | { kind: 'owner_only' }
  | { kind: 'permissions_not_held'; permissions: string[] }
  | { kind: 'already_member' }
  | { kind: 'suspended_member' }
  | { kind: 'already_invited'; invitation: OrganizationInvitation }

/**
 * Invites an email address with a role of the org: stores the SHA-256 of a
 * fresh token (7-day expiry) and mails the link after the commit. A pending
 * invitation that has already expired is closed and replaced.
 */
export default class InviteMember {
  static async handle(input: InviteMemberInput): Promise<InviteMemberResult> {
    const email = User.normalizeEmail(input.email)
    const token = generateToken()

    const outcome = await db.transaction(async (trx) => {
      await lockOrganization(input.org.id, trx)
      const role = await OrganizationRole.query({ client: trx })
        .where('organization_id', input.org.id)
        .where('id', input.roleId)
        .first()
      if (!role) return { kind: 'role_not_found' as const }
      if (isOwnerRole(role) && !actorIsOwner(input.actor)) return { kind: 'owner_only' as const }
      const beyond = permissionsBeyond(input.actor, await role.permissions(trx))
      if (beyond.length) return { kind: 'permissions_not_held' as const, permissions: beyond }

      const membership = await OrganizationMember.query({ client: trx })
        .where('organization_id', input.org.id)
        .whereNull('deleted_at')
        .whereIn('status', ['active', 'suspended'])
        .whereHas('user', (user) => user.where('email', email))
        .first()
      if (membership?.status === 'active') return { kind: 'already_member' as const }
      if (membership?.status === 'suspended') return { kind: 'suspended_member' as const }

      const pending = await OrganizationInvitation.query({ client: trx })
        .where('organization_id', input.org.id)
        .where('email', email)
        .where('status', 'pending')
      for (const invitation of pending) {
        if (invitation.effectiveStatus === 'pending')
          return { kind: 'already_invited' as const, invitation }
        invitation.status = 'expired'
        await invitation.useTransaction(trx).save()
      }

      const now = DateTime.now()
      const invitation = await OrganizationInvitation.create(
        {
          organizationId: input.org.id,
          email,
          roleId: role.id,
          status: 'pending',
          tokenHash: hashToken(token),
          expiresAt: now.plus({ days: INVITATION_TTL_DAYS }),
          invitedBy: input.actor.user.id,
          lastSentAt: now,
          sendCount: 1,
        },
        { client: trx }
      )
      await RecordAudit.handle(
        {
          action: 'member.invited',
          organizationId: input.org.id,
          actorUserId: input.actor.user.id,
          entityType: 'organization_invitation',
          entityId: invitation.id,
          severity: isOwnerRole(role) ? 'warning' : 'info',
          origin: input.origin,
          metadata: { email, role: role.key, role_name: role.name },
        },
        trx
      )
      return { kind: 'created' as const, invitation, role }
    })

    if (outcome.kind !== 'created') return outcome
    const delivered = await sendInvitationMail({
      invitation: outcome.invitation,
      org: input.org,
      role: outcome.role,
      inviter: input.actor.user,
      token,
    })
    return { kind: 'invited', invitation: outcome.invitation, delivered }
  }
}
