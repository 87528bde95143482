import type { HttpContext } from '@adonisjs/core/http'
import { TRIAL_FREE_CERTIFICATES } from '#orgs/actions/create_organization'

export default class HomeController {
  /** Signed in: straight to work. Signed out: what Authentix is. */
  async show({ auth, response, view }: HttpContext) {
    if (auth.user) return response.redirect().toRoute('orgs.dashboard.show')
    return view.render('pages/orgs/home/show', { trialCertificates: TRIAL_FREE_CERTIFICATES })
  }
}
