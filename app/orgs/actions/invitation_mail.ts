import logger from '@adonisjs/core/services/logger'
import { appUrl } from '#config/app'
import { sendMail } from '#core/services/mailer'
import Profile from '#identity/models/profile'
import type User from '#identity/models/user'
import type Organization from '#orgs/models/organization'
import type OrganizationInvitation from '#orgs/models/organization_invitation'
import type OrganizationRole from '#orgs/models/organization_role'
import { formatDate } from '#core/services/formatting'

export const INVITATION_TTL_DAYS = 7

export function invitationLink(token: string) {
  return `${appUrl}/join/${token}`
}

/**
 * Mails the invitation link. Called after the transaction that stored the
 * token's hash committed. A delivery failure is reported to the caller (the
 * invitation stays valid and can be resent) instead of failing the request.
 */
export async function sendInvitationMail(input: {
  invitation: OrganizationInvitation
  org: Organization
  role: OrganizationRole
  inviter: User
  token: string
}): Promise<boolean> {
  const profile = await Profile.find(input.inviter.id)
  const inviterName = profile?.fullName || input.inviter.email
  try {
    await sendMail({
      to: input.invitation.email,
      subject: `${inviterName} invited you to join ${input.org.name} on Authentix`,
      html: 'pages/orgs/mail/invitation',
      text: 'pages/orgs/mail/invitation_text',
      data: {
        orgName: input.org.name,
        inviterName,
        roleName: input.role.name,
        link: invitationLink(input.token),
        expiresOn: formatDate(input.invitation.expiresAt, { long: true }),
        days: INVITATION_TTL_DAYS,
      },
    })
    return true
  } catch (error) {
    logger.error(
      { err: error, invitationId: input.invitation.id },
      'invitation mail could not be sent'
    )
    return false
  }
}
