import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import { hashToken } from '#core/services/tokens'
import OrganizationInvitation from '#orgs/models/organization_invitation'

export type InvitationLookup =
  | { kind: 'valid'; invitation: OrganizationInvitation }
  | {
      kind: 'invalid'
      reason: 'unknown' | 'revoked' | 'expired' | 'accepted'
      invitation: OrganizationInvitation | null
    }

/**
 * Finds an invitation by the SHA-256 of the raw token from a link, with its
 * org and role loaded. Invitations of deleted orgs count as unknown.
 */
export default class InvitationByToken {
  static async find(token: string, trx?: TransactionClientContract): Promise<InvitationLookup> {
    if (!token || token.length > 200)
      return { kind: 'invalid', reason: 'unknown', invitation: null }
    const query = OrganizationInvitation.query({ client: trx })
      .where('token_hash', hashToken(token))
      .whereHas('organization', (org) => org.whereNull('deleted_at'))
      .preload('organization')
      .preload('role')
    if (trx) query.forUpdate()
    const invitation = await query.first()
    if (!invitation) return { kind: 'invalid', reason: 'unknown', invitation: null }
    const status = invitation.effectiveStatus
    if (status === 'pending') return { kind: 'valid', invitation }
    return { kind: 'invalid', reason: status, invitation }
  }
}
