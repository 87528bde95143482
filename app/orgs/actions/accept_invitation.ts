import { DateTime } from 'luxon'
import db from '@adonisjs/lucid/services/db'
import RecordAudit, { type AuditInput } from '#core/actions/record_audit'
import User from '#identity/models/user'
import Profile from '#identity/models/profile'
import type Organization from '#orgs/models/organization'
import OrganizationMember from '#orgs/models/organization_member'
import type OrganizationRole from '#orgs/models/organization_role'
import { uniqueUsername } from '#orgs/actions/create_organization'
import InvitationByToken from '#orgs/queries/invitation_by_token'

export interface AcceptInvitationInput {
  token: string
  /** The signed-in user, or null when a new account is created from the invitation. */
  user: User | null
  /** Required when `user` is null. */
  signUp?: { fullName: string; password: string }
  origin?: AuditInput['origin']
}

export type AcceptInvitationResult =
  | {
      kind: 'joined'
      user: User
      org: Organization
      role: OrganizationRole
      member: OrganizationMember
      newAccount: boolean
    }
  | { kind: 'already_member'; user: User; org: Organization }
  | { kind: 'invalid'; reason: 'unknown' | 'revoked' | 'expired' | 'accepted' }
  | { kind: 'email_mismatch' }
  | { kind: 'account_exists' }
  | { kind: 'membership_suspended'; org: Organization }

/**
 * Accepts an invitation in one transaction: creates the account when the
 * invitee has none, creates (or reactivates a removed) membership with the
 * invited role and marks the invitation accepted. The invitation is re-read
 * under a lock inside the transaction, so a link can be used only once.
 */
export default class AcceptInvitation {
  static async handle(input: AcceptInvitationInput): Promise<AcceptInvitationResult> {
    return db.transaction(async (trx) => {
      const lookup = await InvitationByToken.find(input.token, trx)
      if (lookup.kind === 'invalid') return { kind: 'invalid' as const, reason: lookup.reason }
      const invitation = lookup.invitation
      const org = invitation.organization
      const role = invitation.role

      let user = input.user
      let newAccount = false
      if (user) {
        if (User.normalizeEmail(user.email) !== invitation.email)
          return { kind: 'email_mismatch' as const }
      } else {
        if (await User.query({ client: trx }).where('email', invitation.email).first()) {
          return { kind: 'account_exists' as const }
        }
        if (!input.signUp)
          throw new Error('AcceptInvitation needs sign-up details when no user is signed in')
        user = await User.create(
          { email: invitation.email, password: input.signUp.password, isPlatformStaff: false },
          { client: trx }
        )
        await Profile.create(
          { id: user.id, ...Profile.namesFrom(input.signUp.fullName) },
          { client: trx }
        )
        newAccount = true
      }

      const now = DateTime.now()
      const existing = await OrganizationMember.query({ client: trx })
        .where('organization_id', org.id)
        .where('user_id', user.id)
        .forUpdate()
        .first()
      if (existing && existing.status === 'suspended' && existing.deletedAt === null) {
        return { kind: 'membership_suspended' as const, org }
      }

      invitation.merge({ status: 'accepted', acceptedBy: user.id, acceptedAt: now })
      await invitation.useTransaction(trx).save()

      if (existing && existing.status === 'active' && existing.deletedAt === null) {
        return { kind: 'already_member' as const, user, org }
      }

      let member: OrganizationMember
      if (existing) {
        existing.merge({ status: 'active', deletedAt: null, roleId: role.id })
        member = await existing.useTransaction(trx).save()
      } else {
        member = await OrganizationMember.create(
          {
            organizationId: org.id,
            userId: user.id,
            username: await uniqueUsername(org.id, user.email, trx),
            roleId: role.id,
            status: 'active',
          },
          { client: trx }
        )
      }

      const audit = { organizationId: org.id, actorUserId: user.id, origin: input.origin }
      if (newAccount) {
        await RecordAudit.handle(
          {
            ...audit,
            action: 'user.signed_up',
            entityType: 'user',
            entityId: user.id,
            metadata: { via: 'invitation' },
          },
          trx
        )
      }
      await RecordAudit.handle(
        {
          ...audit,
          action: 'member.joined',
          entityType: 'organization_member',
          entityId: member.id,
          metadata: {
            invitation_id: invitation.id,
            invited_by: invitation.invitedBy,
            role: role.key,
            role_name: role.name,
            username: member.username,
            new_account: newAccount,
            rejoined: Boolean(existing),
          },
        },
        trx
      )
      return { kind: 'joined' as const, user, org, role, member, newAccount }
    })
  }
}
