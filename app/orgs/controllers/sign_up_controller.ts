import type { HttpContext } from '@adonisjs/core/http'
import { unhandled } from '#core/services/exhaustive'
import SignUp from '#orgs/actions/sign_up'
import { TRIAL_DAYS, TRIAL_FREE_CERTIFICATES } from '#orgs/actions/create_organization'
import { signUpValidator } from '#orgs/validators/sign_up'
import { CURRENT_ORG_SESSION_KEY } from '#orgs/middleware/org_context_middleware'
import { originOf } from '#core/http/origin'
import { flashFieldError } from '#core/http/forms'

export default class SignUpController {
  async create({ view }: HttpContext) {
    return view.render('pages/orgs/sign_up/create', { trialCertificates: TRIAL_FREE_CERTIFICATES })
  }

  async store(ctx: HttpContext) {
    const { request, response, auth, session } = ctx
    const payload = await request.validateUsing(signUpValidator)
    const result = await SignUp.handle({
      fullName: payload.full_name,
      email: payload.email,
      password: payload.password,
      organizationName: payload.organization_name,
      origin: originOf(ctx),
    })

    switch (result.kind) {
      case 'created':
        await auth.use('web').login(result.user)
        session.put(CURRENT_ORG_SESSION_KEY, result.org.id)
        session.flash(
          'success',
          `Welcome to Authentix! ${result.org.name} is ready and your ${TRIAL_DAYS}-day free trial has started.`
        )
        return response.redirect().toRoute('orgs.dashboard.show')
      case 'email_taken':
        flashFieldError(
          ctx,
          'email',
          'An account with this email already exists. Log in, or reset your password if you forgot it.'
        )
        return response.redirect().toRoute('orgs.sign_up.create')
      default:
        return unhandled(result)
    }
  }
}
