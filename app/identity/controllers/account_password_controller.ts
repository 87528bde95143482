import type { HttpContext } from '@adonisjs/core/http'
import type User from '#identity/models/user'
import ChangePassword from '#identity/actions/change_password'
import { changePasswordValidator } from '#identity/validators/account'
import { originOf } from '#core/http/origin'
import { flashFieldError, redirectWith, validateOrFlash } from '#core/http/forms'
import { handle } from '#core/http/outcomes'

/** `PUT /account/password`: a new password, given the current one; other devices are signed out. */
export default class AccountPasswordController {
  async update(ctx: HttpContext) {
    const { auth, request, response, session } = ctx
    const user = auth.getUserOrFail() as User
    const back = () => response.redirect().toRoute('identity.account.show')
    const payload = await validateOrFlash(ctx, () =>
      request.validateUsing(changePasswordValidator, { meta: { email: user.email } })
    )
    if (!payload) return back()

    const hadRememberMe = Boolean(request.encryptedCookie('remember_web'))
    const result = await ChangePassword.handle({
      user,
      currentPassword: payload.current_password,
      newPassword: payload.password,
      currentSessionId: session.sessionId,
      origin: originOf(ctx),
    })
    return handle(result, {
      changed: async () => {
        // A fresh session id (and remember-me token, if one was in use) for this browser.
        await auth.use('web').login(user, hadRememberMe)
        return redirectWith(
          ctx,
          'success',
          'Your password has been changed. Other devices have been signed out.'
        ).toRoute('identity.account.show')
      },
      wrong_password: () => {
        flashFieldError(ctx, 'current_password', 'That is not your current password.')
        return back()
      },
    })
  }
}
