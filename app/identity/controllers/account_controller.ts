import type { HttpContext } from '@adonisjs/core/http'
import { unhandled } from '#core/services/exhaustive'
import type User from '#identity/models/user'
import Profile from '#identity/models/profile'
import UpdateProfile from '#identity/actions/update_profile'
import ChangePassword from '#identity/actions/change_password'
import ChangeEmail from '#identity/actions/change_email'
import {
  changeEmailValidator,
  changePasswordValidator,
  profileValidator,
} from '#identity/validators/account'
import { originOf } from '#core/http/origin'
import { flashFieldErrors, validateOrFlash } from '#core/http/forms'

/** The signed-in person's own account: name, login email, password. Not tied to an org. */
export default class AccountController {
  async show({ auth, view }: HttpContext) {
    const user = auth.getUserOrFail() as User
    const profile = await Profile.find(user.id)
    return view.render('pages/identity/account/show', { user, profile })
  }

  async updateProfile({ auth, request, response, session }: HttpContext) {
    const user = auth.getUserOrFail() as User
    const { full_name: fullName } = await request.validateUsing(profileValidator)
    await UpdateProfile.handle({ user, fullName })
    session.flash('success', 'Your name has been updated.')
    return response.redirect().toRoute('identity.account.show')
  }

  async updatePassword(ctx: HttpContext) {
    const { auth, request, response, session } = ctx
    const user = auth.getUserOrFail() as User
    const payload = await validateOrFlash(ctx, () =>
      request.validateUsing(changePasswordValidator, { meta: { email: user.email } })
    )
    if (!payload) return response.redirect().toRoute('identity.account.show')

    const hadRememberMe = Boolean(request.encryptedCookie('remember_web'))
    const result = await ChangePassword.handle({
      user,
      currentPassword: payload.current_password,
      newPassword: payload.password,
      currentSessionId: session.sessionId,
      origin: originOf(ctx),
    })
    switch (result.kind) {
      case 'changed':
        // A fresh session id (and remember-me token, if one was in use) for this browser.
        await auth.use('web').login(user, hadRememberMe)
        session.flash(
          'success',
          'Your password has been changed. Other devices have been signed out.'
        )
        return response.redirect().toRoute('identity.account.show')
      case 'wrong_password':
        flashFieldErrors(ctx, [
          { field: 'current_password', message: 'That is not your current password.' },
        ])
        return response.redirect().toRoute('identity.account.show')
      default:
        return unhandled(result)
    }
  }

  async updateEmail(ctx: HttpContext) {
    const { auth, request, response, session } = ctx
    const user = auth.getUserOrFail() as User
    const payload = await validateOrFlash(ctx, () => request.validateUsing(changeEmailValidator))
    if (!payload) return response.redirect().toRoute('identity.account.show')

    const result = await ChangeEmail.handle({
      user,
      password: payload.email_password,
      newEmail: payload.email,
      origin: originOf(ctx),
    })
    switch (result.kind) {
      case 'changed':
        session.flash(
          'success',
          `Your email is now ${result.newEmail}. We sent a notice to ${result.oldEmail}.`
        )
        return response.redirect().toRoute('identity.account.show')
      case 'unchanged':
        session.flash('success', 'That is already your email address.')
        return response.redirect().toRoute('identity.account.show')
      case 'wrong_password':
        flashFieldErrors(ctx, [{ field: 'email_password', message: 'That is not your password.' }])
        return response.redirect().toRoute('identity.account.show')
      case 'email_taken':
        flashFieldErrors(ctx, [
          { field: 'email', message: 'Another account already uses this email address.' },
        ])
        return response.redirect().toRoute('identity.account.show')
      default:
        return unhandled(result)
    }
  }
}
