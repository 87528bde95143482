import type { HttpContext } from '@adonisjs/core/http'
import { unhandled } from '#core/services/exhaustive'
import ResetPassword, { findUsableResetToken } from '#identity/actions/reset_password'
import { passwordResetValidator } from '#identity/validators/password_reset'
import { originOf } from '#core/http/origin'
import { validateOrFlash } from '#core/http/forms'

export default class PasswordResetsController {
  async edit(ctx: HttpContext) {
    const { params, view } = ctx
    const record = await findUsableResetToken(params.token)
    if (!record) return this.expired(ctx)
    return view.render('pages/identity/password_resets/edit', {
      token: params.token,
      email: record.user.email,
    })
  }

  async update(ctx: HttpContext) {
    const { params, request, response, session } = ctx
    const record = await findUsableResetToken(params.token)
    if (!record) return this.expired(ctx)

    const payload = await validateOrFlash(ctx, () =>
      request.validateUsing(passwordResetValidator, { meta: { email: record.user.email } })
    )
    if (!payload)
      return response.redirect().toRoute('identity.password_resets.edit', { token: params.token })

    const result = await ResetPassword.handle({
      token: params.token,
      password: payload.password,
      origin: originOf(ctx),
    })
    switch (result.kind) {
      case 'reset':
        session.flash('success', 'Your password has been changed. Log in with your new password.')
        return response.redirect().toRoute('identity.session.create')
      case 'invalid_token':
        return this.expired(ctx)
      default:
        return unhandled(result)
    }
  }

  /** Unknown, used and expired links look the same. */
  private expired({ view, response }: HttpContext) {
    response.status(410)
    return view.render('pages/identity/password_resets/expired')
  }
}
