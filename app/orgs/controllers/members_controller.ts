import type { HttpContext } from '@adonisjs/core/http'
import { paginationOf } from '#core/http/pagination'
import MemberDirectory from '#orgs/queries/member_directory'
import UpdateMember from '#orgs/actions/update_member'
import RemoveMember from '#orgs/actions/remove_member'
import { updateMemberValidator } from '#orgs/validators/member'
import { actorIsOwner, isOwnerRole } from '#orgs/policies/role_grants'
import { originOf } from '#core/http/origin'
import { handle } from '#core/http/outcomes'
import { flashFieldError, redirectWith } from '#core/http/forms'

function nameOf(member: {
  username: string
  user?: { email: string; profile?: { fullName: string } | null }
}) {
  return member.user?.profile?.fullName || member.user?.email || member.username
}

export default class MembersController {
  /** Every member sees who is in the org; managing is for `members.manage`. */
  async index({ view, org, request }: HttpContext) {
    const { page } = await paginationOf(request.qs(), { perPage: 25 })
    const members = await MemberDirectory.page(org, page)
    return view.render('pages/orgs/members/index', { members, nav: 'members' })
  }

  async edit({ view, org, actor, params, bouncer }: HttpContext) {
    await bouncer.authorize('allows', 'members.manage')
    const member = await MemberDirectory.find(org, params.id)
    const roles = await MemberDirectory.roles(org)
    return view.render('pages/orgs/members/edit', {
      member,
      roles,
      nav: 'members',
      isSelf: member.userId === actor.user.id,
      actorIsOwner: actorIsOwner(actor),
      memberIsOwner: isOwnerRole(member.role),
    })
  }

  async update(ctx: HttpContext) {
    const { request, response, org, actor, params, bouncer } = ctx
    await bouncer.authorize('allows', 'members.manage')
    const member = await MemberDirectory.find(org, params.id)
    const input = await request.validateUsing(updateMemberValidator)
    const result = await UpdateMember.handle({
      org,
      actor,
      memberId: member.id,
      roleId: input.role_id,
      status: input.status,
      username: input.username,
      origin: originOf(ctx),
    })
    const name = nameOf(member)

    const back = () => response.redirect().toRoute('orgs.members.edit', { id: member.id })
    const refuse = (message: string) => {
      ctx.session.flash('error', message)
      return back()
    }
    return handle(result, {
      updated: ({ changes }) =>
        redirectWith(
          ctx,
          'success',
          changes.length ? `${name}'s membership was updated.` : 'Nothing changed.'
        ).toRoute('orgs.members.index'),
      role_not_found: () =>
        refuse('That role does not exist in this organization any more. Choose another.'),
      owner_only: () =>
        refuse('Only an owner can grant or take away the owner role, or suspend an owner.'),
      permissions_not_held: ({ permissions }) =>
        refuse(
          `You can only give roles whose permissions you hold yourself (missing: ${permissions.join(', ')}).`
        ),
      last_owner: () =>
        refuse(
          `${name} is the only active owner. Make another member an owner first: every organization keeps at least one.`
        ),
      cannot_suspend_self: () => refuse('You cannot suspend yourself.'),
      username_taken: () => {
        flashFieldError(
          ctx,
          'username',
          `The username "${input.username}" is already taken in ${org.name}.`
        )
        return back()
      },
    })
  }

  async destroy(ctx: HttpContext) {
    const { org, actor, params, bouncer } = ctx
    await bouncer.authorize('allows', 'members.manage')
    const member = await MemberDirectory.find(org, params.id)
    const result = await RemoveMember.handle({
      org,
      actor,
      memberId: member.id,
      origin: originOf(ctx),
    })
    const name = nameOf(member)
    const refused = (message: string) =>
      redirectWith(ctx, 'error', message).toRoute('orgs.members.edit', { id: member.id })
    return handle(result, {
      removed: ({ self }) =>
        self
          ? redirectWith(ctx, 'success', `You left ${org.name}.`).toRoute('orgs.dashboard.show')
          : redirectWith(ctx, 'success', `${name} was removed from ${org.name}.`).toRoute(
              'orgs.members.index'
            ),
      owner_only: () => refused('Only an owner can remove another owner.'),
      last_owner: () =>
        refused(
          member.userId === actor.user.id
            ? 'You are the only active owner, so you cannot leave. Make another member an owner first.'
            : `${name} is the only active owner and cannot be removed. Make another member an owner first.`
        ),
    })
  }
}
