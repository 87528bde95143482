import type { HttpContext } from '@adonisjs/core/http'
import RequestPasswordReset from '#identity/actions/request_password_reset'
import { passwordResetRequestValidator } from '#identity/validators/password_reset'
import { originOf } from '#core/http/origin'

export const RESET_REQUESTED_MESSAGE =
  'If an account exists for that email, we sent a link to reset its password. The link works for one hour.'

export default class PasswordResetRequestsController {
  async create({ view }: HttpContext) {
    return view.render('pages/identity/password_reset_requests/create')
  }

  /** Same answer, at the same speed, whether or not the account exists (the mail is not awaited). */
  async store(ctx: HttpContext) {
    const { request, response, session } = ctx
    const { email } = await request.validateUsing(passwordResetRequestValidator)
    await RequestPasswordReset.handle({ email, origin: originOf(ctx) })
    session.flash('success', RESET_REQUESTED_MESSAGE)
    return response.redirect().toRoute('identity.password_reset_requests.create')
  }
}
