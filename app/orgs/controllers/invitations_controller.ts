import type { HttpContext } from '@adonisjs/core/http'
import { unhandled } from '#core/services/exhaustive'
import InvitationList from '#orgs/queries/invitation_list'
import MemberDirectory from '#orgs/queries/member_directory'
import InviteMember from '#orgs/actions/invite_member'
import RevokeInvitation from '#orgs/actions/revoke_invitation'
import { createInvitationValidator } from '#orgs/validators/invitation'
import { actorIsOwner, isOwnerRole } from '#orgs/policies/role_grants'
import { originOf } from '#core/http/origin'
import { handle } from '#core/http/outcomes'
import { flashFieldError, redirectWith } from '#core/http/forms'

export default class InvitationsController {
  async index({ view, org, actor, bouncer }: HttpContext) {
    await bouncer.authorize('allows', 'members.manage')
    const invitations = await InvitationList.for(org)
    const canInviteOwners = actorIsOwner(actor)
    const allRoles = await MemberDirectory.roles(org)
    const roles = allRoles.filter((role) => canInviteOwners || !isOwnerRole(role))
    const defaultRole = roles.find((role) => role.isSystem && role.key === 'member')
    return view.render('pages/orgs/invitations/index', {
      invitations,
      roles,
      defaultRole,
      nav: 'invitations',
    })
  }

  async store(ctx: HttpContext) {
    const { request, response, session, org, actor, bouncer } = ctx
    await bouncer.authorize('allows', 'members.manage')
    const input = await request.validateUsing(createInvitationValidator)
    const result = await InviteMember.handle({
      org,
      actor,
      email: input.email,
      roleId: input.role_id,
      origin: originOf(ctx),
    })
    const back = () => response.redirect().toRoute('orgs.invitations.index')

    switch (result.kind) {
      case 'invited':
        if (result.delivered)
          session.flash('success', `Invitation sent to ${result.invitation.email}.`)
        else
          session.flash(
            'error',
            `The invitation for ${result.invitation.email} was saved, but the email could not be sent. Try "Resend" in a moment.`
          )
        return back()
      case 'role_not_found':
        flashFieldError(ctx, 'role_id', 'Choose one of the roles in the list.')
        return back()
      case 'owner_only':
        flashFieldError(ctx, 'role_id', 'Only an owner can invite someone as an owner.')
        return back()
      case 'permissions_not_held':
        flashFieldError(
          ctx,
          'role_id',
          `You can only invite with roles whose permissions you hold (missing: ${result.permissions.join(', ')}).`
        )
        return back()
      case 'already_member':
        flashFieldError(ctx, 'email', `${input.email} is already a member of ${org.name}.`)
        return back()
      case 'suspended_member':
        flashFieldError(
          ctx,
          'email',
          `${input.email} is a suspended member of ${org.name}. Reactivate them from the members page instead.`
        )
        return back()
      case 'already_invited':
        flashFieldError(
          ctx,
          'email',
          `${input.email} already has a pending invitation. Use "Resend" in the list below to send it again.`
        )
        return back()
      default:
        return unhandled(result)
    }
  }

  async destroy(ctx: HttpContext) {
    const { org, actor, params, bouncer } = ctx
    await bouncer.authorize('allows', 'members.manage')
    const invitation = await InvitationList.find(org, params.id)
    const result = await RevokeInvitation.handle({
      org,
      actor,
      invitationId: invitation.id,
      origin: originOf(ctx),
    })
    const done = (level: 'success' | 'error', message: string) =>
      redirectWith(ctx, level, message).toRoute('orgs.invitations.index')
    return handle(result, {
      revoked: () =>
        done(
          'success',
          `The invitation for ${invitation.email} was revoked; its link no longer works.`
        ),
      not_pending: ({ status }) => done('error', `That invitation was already ${status}.`),
    })
  }
}
