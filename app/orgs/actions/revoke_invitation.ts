import db from '@adonisjs/lucid/services/db'
import RecordAudit, { type AuditInput } from '#core/actions/record_audit'
import type Organization from '#orgs/models/organization'
import OrganizationInvitation from '#orgs/models/organization_invitation'
import type OrgActor from '#orgs/policies/org_actor'

export interface RevokeInvitationInput {
  org: Organization
  actor: OrgActor
  invitationId: string
  origin?: AuditInput['origin']
}

export type RevokeInvitationResult =
  | { kind: 'revoked'; invitation: OrganizationInvitation }
  | { kind: 'not_pending'; status: 'accepted' | 'revoked' }

/** Revokes a pending (or expired) invitation: its link stops working at once. */
export default class RevokeInvitation {
  static async handle(input: RevokeInvitationInput): Promise<RevokeInvitationResult> {
    return db.transaction(async (trx) => {
      const invitation = await OrganizationInvitation.query({ client: trx })
        .where('organization_id', input.org.id)
        .where('id', input.invitationId)
        .forUpdate()
        .firstOrFail()
      if (invitation.status === 'accepted' || invitation.status === 'revoked') {
        return { kind: 'not_pending' as const, status: invitation.status }
      }
      invitation.status = 'revoked'
      await invitation.useTransaction(trx).save()
      await RecordAudit.handle(
        {
          action: 'invitation.revoked',
          organizationId: input.org.id,
          actorUserId: input.actor.user.id,
          entityType: 'organization_invitation',
          entityId: invitation.id,
          origin: input.origin,
          metadata: { email: invitation.email },
        },
        trx
      )
      return { kind: 'revoked' as const, invitation }
    })
  }
}
