/*
| Identity's event listeners (preloaded from adonisrc.ts).
*/
import emitter from '@adonisjs/core/services/emitter'
import logger from '@adonisjs/core/services/logger'
import type { HttpContext } from '@adonisjs/core/http'

/**
 * Tags the (freshly regenerated) session with the user's id, so the user's
 * sessions can be found and revoked later (account disabled, password reset
 * or changed). Covers every way a session is created: the login form,
 * sign-up, invitation acceptance and a remember-me cookie.
 */
async function tagSession(ctx: HttpContext, userId: string) {
  try {
    await ctx.session.tag(String(userId))
  } catch (error) {
    logger.error({ err: error }, 'could not tag the session with its user')
  }
}

emitter.on('session_auth:login_succeeded', ({ ctx, user }) =>
  tagSession(ctx, (user as { id: string }).id)
)

emitter.on('session_auth:authentication_succeeded', ({ ctx, user, rememberMeToken }) => {
  if (rememberMeToken) return tagSession(ctx, (user as { id: string }).id)
})
