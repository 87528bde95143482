import type { HttpContext } from '@adonisjs/core/http'
import type { NextFn } from '@adonisjs/core/types/http'
import type { Authenticators } from '@adonisjs/auth/types'

/**
 * Requires a signed-in, enabled user. Authenticated pages are never cached.
 */
export default class AuthMiddleware {
  redirectTo = '/login'

  async handle(ctx: HttpContext, next: NextFn, options: { guards?: (keyof Authenticators)[] } = {}) {
    await ctx.auth.authenticateUsing(options.guards, { loginRoute: this.redirectTo })
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
