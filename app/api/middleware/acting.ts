import type { HttpContext } from '@adonisjs/core/http'
import { originOf } from '#core/http/origin'

/**
 * Who acts in an API request, as an action's input takes it: the API key's org, no user (the key
 * acts), where the request came from and `via: 'api'` for the audit log.
 * `Action.handle({ ...apiActing(ctx), templateId })`; the web's counterpart is `actingIn(ctx)`.
 */
export function apiActing(ctx: HttpContext) {
  return { org: ctx.apiOrg, actorUserId: null, origin: originOf(ctx), via: 'api' as const }
}
