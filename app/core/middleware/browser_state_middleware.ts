import app from '@adonisjs/core/services/app'
import type { HttpContext } from '@adonisjs/core/http'
import type { NextFn } from '@adonisjs/core/types/http'
import SessionMiddleware from '@adonisjs/session/session_middleware'
import ShieldMiddleware from '@adonisjs/shield/shield_middleware'
import InitializeAuthMiddleware from '@adonisjs/auth/initialize_auth_middleware'
import { isWithoutBrowserState } from '#core/http/stateless'
import { widenFormAction } from '#core/http/csp_sources'

type Layer = { handle(ctx: HttpContext, next: NextFn): unknown }

/**
 * Made once per process: shield's guards (CSP, CSRF) are built from its
 * config, not per request, and none of the three keeps request state on the
 * instance.
 */
let layers: Promise<[Layer, Layer, Layer]> | undefined
const resolveLayers = () =>
  (layers ??= Promise.all([
    app.container.make(SessionMiddleware),
    app.container.make(ShieldMiddleware),
    app.container.make(InitializeAuthMiddleware),
  ]))

/**
 * The session, shield (CSRF, CSP, with the form-action origins modules
 * added: `#core/http/csp_sources`) and `ctx.auth` of every route, in that
 * order, except routes declared without browser state (`#core/http/stateless`):
 * those go straight on, and the security headers middleware gives them the
 * headers shield would have.
 */
export default class BrowserStateMiddleware {
  async handle(ctx: HttpContext, next: NextFn) {
    if (isWithoutBrowserState(ctx.route)) return next()
    const [session, shield, auth] = await resolveLayers()
    return session.handle(ctx, () =>
      shield.handle(ctx, () => {
        widenFormAction(ctx.response)
        return auth.handle(ctx, next)
      })
    )
  }
}
