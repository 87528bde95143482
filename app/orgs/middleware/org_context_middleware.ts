import type { HttpContext } from '@adonisjs/core/http'
import type { NextFn } from '@adonisjs/core/types/http'
import { Bouncer } from '@adonisjs/bouncer'
import type User from '#identity/models/user'
import type Organization from '#orgs/models/organization'
import type OrganizationMember from '#orgs/models/organization_member'
import OrgActor from '#orgs/policies/org_actor'
import * as abilities from '#orgs/policies/abilities'
import CurrentMembership from '#orgs/queries/current_membership'

export const CURRENT_ORG_SESSION_KEY = 'current_org_id'

/**
 * Resolves the current org from the signed-in user's active memberships
 * (the session only remembers which one was chosen) and sets up Bouncer with
 * that membership as the actor. Runs after `auth`.
 */
export default class OrgContextMiddleware {
  async handle(ctx: HttpContext, next: NextFn) {
    const user = ctx.auth.getUserOrFail() as User
    const { memberships, member, permissions } = await CurrentMembership.resolve(
      user,
      ctx.session.get(CURRENT_ORG_SESSION_KEY)
    )
    if (!member) {
      if (ctx.request.accepts(['html', 'json']) === 'json') {
        return ctx.response.forbidden({
          errors: [
            { code: 'E_NO_ORGANIZATION', message: 'You are not a member of any organization.' },
          ],
        })
      }
      return ctx.response.redirect().toRoute('orgs.organizations.create')
    }
    ctx.session.put(CURRENT_ORG_SESSION_KEY, member.organizationId)

    ctx.org = member.organization
    ctx.member = member
    ctx.actor = new OrgActor(user, member.organization, member, permissions)
    ctx.bouncer = new Bouncer(() => ctx.actor, abilities).setContainerResolver(
      ctx.containerResolver
    )

    ctx.view.share({
      org: ctx.org,
      actor: ctx.actor,
      memberships,
      ...ctx.bouncer.edgeHelpers,
    })
    return next()
  }
}

declare module '@adonisjs/core/http' {
  export interface HttpContext {
    org: Organization
    member: OrganizationMember
    actor: OrgActor
    bouncer: Bouncer<OrgActor, typeof abilities>
  }
}
