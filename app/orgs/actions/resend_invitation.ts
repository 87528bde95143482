import { DateTime } from 'luxon'
import db from '@adonisjs/lucid/services/db'
import RecordAudit, { type AuditInput } from '#core/actions/record_audit'
import { generateToken, hashToken } from '#core/services/tokens'
import type Organization from '#orgs/models/organization'
import OrganizationInvitation from '#orgs/models/organization_invitation'
import type OrgActor from '#orgs/policies/org_actor'
import { INVITATION_TTL_DAYS, sendInvitationMail } from '#orgs/actions/invitation_mail'

export interface ResendInvitationInput {
  org: Organization
  actor: OrgActor
  invitationId: string
  origin?: AuditInput['origin']
}

export type ResendInvitationResult =
  | { kind: 'resent'; invitation: OrganizationInvitation; delivered: boolean }
  | { kind: 'not_pending'; status: 'accepted' | 'revoked' }

/**
 * Sends a pending (or expired) invitation again with a NEW token, so the
 * previous link stops working, and a fresh 7-day expiry.
 */
export default class ResendInvitation {
  static async handle(input: ResendInvitationInput): Promise<ResendInvitationResult> {
    const token = generateToken()
    const outcome = await db.transaction(async (trx) => {
      const invitation = await OrganizationInvitation.query({ client: trx })
        .where('organization_id', input.org.id)
        .where('id', input.invitationId)
        .preload('role')
        .forUpdate()
        .firstOrFail()
      if (invitation.status === 'accepted' || invitation.status === 'revoked') {
        return { kind: 'not_pending' as const, status: invitation.status }
      }
      const now = DateTime.now()
      invitation.merge({
        status: 'pending',
        tokenHash: hashToken(token),
        expiresAt: now.plus({ days: INVITATION_TTL_DAYS }),
        lastSentAt: now,
        sendCount: invitation.sendCount + 1,
      })
      await invitation.useTransaction(trx).save()
      await RecordAudit.handle(
        {
          action: 'invitation.resent',
          organizationId: input.org.id,
          actorUserId: input.actor.user.id,
          entityType: 'organization_invitation',
          entityId: invitation.id,
          origin: input.origin,
          metadata: {
            email: invitation.email,
            role: invitation.role.key,
            send_count: invitation.sendCount,
          },
        },
        trx
      )
      return { kind: 'updated' as const, invitation }
    })

    if (outcome.kind !== 'updated') return outcome
    const delivered = await sendInvitationMail({
      invitation: outcome.invitation,
      org: input.org,
      role: outcome.invitation.role,
      inviter: input.actor.user,
      token,
    })
    return { kind: 'resent', invitation: outcome.invitation, delivered }
  }
}
