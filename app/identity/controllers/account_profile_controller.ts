import type { HttpContext } from '@adonisjs/core/http'
import type User from '#identity/models/user'
import UpdateProfile from '#identity/actions/update_profile'
import { profileValidator } from '#identity/validators/account'
import { redirectWith } from '#core/http/forms'

/** `PUT /account/profile`: the signed-in person's name. */
export default class AccountProfileController {
  async update(ctx: HttpContext) {
    const user = ctx.auth.getUserOrFail() as User
    const { full_name: fullName } = await ctx.request.validateUsing(profileValidator)
    await UpdateProfile.handle({ user, fullName })
    return redirectWith(ctx, 'success', 'Your name has been updated.').toRoute(
      'identity.account.show'
    )
  }
}
