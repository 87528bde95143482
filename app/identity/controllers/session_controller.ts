import type { HttpContext } from '@adonisjs/core/http'
import { unhandled } from '#core/services/exhaustive'
import RecordAudit from '#core/actions/record_audit'
import { INTENDED_URL_SESSION_KEY } from '#core/middleware/auth_middleware'
import AttemptLogin from '#identity/actions/attempt_login'
import { loginValidator } from '#identity/validators/session'
import { originOf } from '#core/http/origin'
import { flashInput, redirectWith, safeLocalPath } from '#core/http/forms'

export const INVALID_CREDENTIALS_MESSAGE =
  'That email and password do not match an account. Check them and try again.'
export const DISABLED_MESSAGE =
  'This account has been disabled. Contact your organization’s owner or Authentix support.'

export default class SessionController {
  async create({ view }: HttpContext) {
    return view.render('pages/identity/session/create')
  }

  async store(ctx: HttpContext) {
    const { request, response, auth, session, view } = ctx
    const { email, password, remember_me: remember } = await request.validateUsing(loginValidator)
    const result = await AttemptLogin.handle({ email, password, origin: originOf(ctx) })

    switch (result.kind) {
      case 'logged_in': {
        await auth.use('web').login(result.user, Boolean(remember))
        const intended = safeLocalPath(session.pull(INTENDED_URL_SESSION_KEY))
        return response.redirect(intended ?? '/dashboard')
      }
      case 'invalid_credentials':
        flashInput(ctx)
        return redirectWith(ctx, 'error', INVALID_CREDENTIALS_MESSAGE).toRoute(
          'identity.session.create'
        )
      case 'disabled':
        flashInput(ctx)
        return redirectWith(ctx, 'error', DISABLED_MESSAGE).toRoute('identity.session.create')
      case 'throttled': {
        const minutes = Math.ceil(result.retryAfterSeconds / 60)
        response.header('Retry-After', String(result.retryAfterSeconds))
        response.status(429)
        return view.render('pages/identity/session/create', { throttledMinutes: minutes, email })
      }
      default:
        return unhandled(result)
    }
  }

  /** Logs out and discards the session itself, so its id (the cookie) is dead from now on. */
  async destroy(ctx: HttpContext) {
    const { auth, session, response } = ctx
    const user = auth.user
    await auth.use('web').logout()
    session.clear()
    session.regenerate()
    if (user) {
      await RecordAudit.handle({
        action: 'auth.logout',
        actorUserId: user.id,
        entityType: 'user',
        entityId: user.id,
        origin: originOf(ctx),
      })
    }
    session.flash('success', 'You have been logged out.')
    return response.redirect().toRoute('identity.session.create')
  }
}
