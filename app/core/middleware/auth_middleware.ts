import type { HttpContext } from '@adonisjs/core/http'
import type { NextFn } from '@adonisjs/core/types/http'
import type { Authenticators } from '@adonisjs/auth/types'

/** Session key holding the URL a signed-out visitor asked for (read by login). */
export const INTENDED_URL_SESSION_KEY = 'intended_url'

/**
 * Requires a signed-in, enabled user. Authenticated pages are never cached.
 */
export default class AuthMiddleware {
  redirectTo = '/login'

  async handle(
    ctx: HttpContext,
    next: NextFn,
    options: { guards?: (keyof Authenticators)[] } = {}
  ) {
    try {
      await ctx.auth.authenticateUsing(options.guards, { loginRoute: this.redirectTo })
    } catch (error) {
      // Remember the page asked for (not htmx partials), so login can bring the user back to it.
      const partial = ctx.request.header('hx-request') && !ctx.request.header('hx-boosted')
      if (ctx.request.method() === 'GET' && !partial) {
        ctx.session.put(INTENDED_URL_SESSION_KEY, ctx.request.url(true))
      }
      throw error
    }
    const user = ctx.auth.user as { disabledAt?: unknown } | undefined
    if (user?.disabledAt) {
      await ctx.auth.use('web').logout()
      ctx.session.flash('error', 'This account has been disabled.')
      return ctx.response.redirect(this.redirectTo)
    }
    ctx.response.header('Cache-Control', 'no-store')
    return next()
  }
}
