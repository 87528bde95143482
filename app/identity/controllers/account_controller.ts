import type { HttpContext } from '@adonisjs/core/http'
import type User from '#identity/models/user'
import Profile from '#identity/models/profile'

/** The signed-in person's own account page: name, login email, password. Not tied to an org. */
export default class AccountController {
  async show({ auth, view }: HttpContext) {
    const user = auth.getUserOrFail() as User
    const profile = await Profile.find(user.id)
    return view.render('pages/identity/account/show', { user, profile })
  }
}
