import type { HttpContext } from '@adonisjs/core/http'
import { originOf } from '#core/http/origin'

/**
 * Who acts in an org request, as an action's input takes it: the org the
 * `org` middleware chose, the signed-in user's id and where the request came
 * from (for the audit log). `Action.handle({ ...actingIn(ctx), templateId })`.
 */
export function actingIn(ctx: HttpContext) {
  return { org: ctx.org, actorUserId: ctx.actor.user.id, origin: originOf(ctx) }
}
