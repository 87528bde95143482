import type { HttpContext } from '@adonisjs/core/http'
import type User from '#identity/models/user'
import ChangeEmail from '#identity/actions/change_email'
import { changeEmailValidator } from '#identity/validators/account'
import { originOf } from '#core/http/origin'
import { flashFieldError, redirectWith, validateOrFlash } from '#core/http/forms'
import { handle } from '#core/http/outcomes'

/** `PUT /account/email`: a new login email, confirmed with the password; the old address is told. */
export default class AccountEmailController {
  async update(ctx: HttpContext) {
    const { auth, request, response } = ctx
    const user = auth.getUserOrFail() as User
    const back = () => response.redirect().toRoute('identity.account.show')
    const payload = await validateOrFlash(ctx, () => request.validateUsing(changeEmailValidator))
    if (!payload) return back()

    const result = await ChangeEmail.handle({
      user,
      password: payload.email_password,
      newEmail: payload.email,
      origin: originOf(ctx),
    })
    const done = (message: string) =>
      redirectWith(ctx, 'success', message).toRoute('identity.account.show')
    return handle(result, {
      changed: ({ newEmail, oldEmail }) =>
        done(`Your email is now ${newEmail}. We sent a notice to ${oldEmail}.`),
      unchanged: () => done('That is already your email address.'),
      wrong_password: () => {
        flashFieldError(ctx, 'email_password', 'That is not your password.')
        return back()
      },
      email_taken: () => {
        flashFieldError(ctx, 'email', 'Another account already uses this email address.')
        return back()
      },
    })
  }
}
