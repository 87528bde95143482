import type { HttpContext } from '@adonisjs/core/http'
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
    const { request, response, org, actor, bouncer } = ctx
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

    const refuse = (field: string, message: string) => {
      flashFieldError(ctx, field, message)
      return back()
    }
    return handle(result, {
      invited: ({ invitation, delivered }) =>
        delivered
          ? redirectWith(ctx, 'success', `Invitation sent to ${invitation.email}.`).toRoute(
              'orgs.invitations.index'
            )
          : redirectWith(
              ctx,
              'error',
              `The invitation for ${invitation.email} was saved, but the email could not be sent. Try "Resend" in a moment.`
            ).toRoute('orgs.invitations.index'),
      role_not_found: () => refuse('role_id', 'Choose one of the roles in the list.'),
      owner_only: () => refuse('role_id', 'Only an owner can invite someone as an owner.'),
      permissions_not_held: ({ permissions }) =>
        refuse(
          'role_id',
          `You can only invite with roles whose permissions you hold (missing: ${permissions.join(', ')}).`
        ),
      already_member: () => refuse('email', `${input.email} is already a member of ${org.name}.`),
      suspended_member: () =>
        refuse(
          'email',
          `${input.email} is a suspended member of ${org.name}. Reactivate them from the members page instead.`
        ),
      already_invited: () =>
        refuse(
          'email',
          `${input.email} already has a pending invitation. Use "Resend" in the list below to send it again.`
        ),
    })
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
