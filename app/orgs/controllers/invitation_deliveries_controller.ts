import type { HttpContext } from '@adonisjs/core/http'
import { unhandled } from '#core/services/exhaustive'
import InvitationList from '#orgs/queries/invitation_list'
import ResendInvitation from '#orgs/actions/resend_invitation'
import { originOf } from '#core/http/origin'

/** POST /invitations/:id/delivery: send the invitation again with a new link. */
export default class InvitationDeliveriesController {
  async store(ctx: HttpContext) {
    const { response, session, org, actor, params, bouncer } = ctx
    await bouncer.authorize('allows', 'members.manage')
    const invitation = await InvitationList.find(org, params.id)
    const result = await ResendInvitation.handle({
      org,
      actor,
      invitationId: invitation.id,
      origin: originOf(ctx),
    })

    switch (result.kind) {
      case 'resent':
        if (result.delivered)
          session.flash(
            'success',
            `Invitation sent again to ${invitation.email}. The previous link no longer works.`
          )
        else
          session.flash(
            'error',
            `A new link for ${invitation.email} was created, but the email could not be sent. Try again in a moment.`
          )
        break
      case 'not_pending':
        session.flash(
          'error',
          `That invitation was already ${result.status}, so it cannot be sent again.`
        )
        break
      default:
        return unhandled(result)
    }
    return response.redirect().toRoute('orgs.invitations.index')
  }
}
