import type { HttpContext } from '@adonisjs/core/http'
import type User from '#identity/models/user'
import AddOrganization from '#orgs/actions/add_organization'
import { TRIAL_DAYS } from '#orgs/actions/create_organization'
import CurrentMembership from '#orgs/queries/current_membership'
import { CURRENT_ORG_SESSION_KEY } from '#orgs/middleware/org_context_middleware'
import { createOrganizationValidator } from '#orgs/validators/organization'
import { originOf } from '#core/http/origin'

/**
 * Creating another organization. Also where signed-in users without any
 * active membership land (the org middleware sends them here).
 */
export default class OrganizationsController {
  async create({ auth, view }: HttpContext) {
    const user = auth.getUserOrFail() as User
    const memberships = await CurrentMembership.activeFor(user)
    return view.render('pages/orgs/organizations/create', {
      memberships,
      hasOrganizations: memberships.length > 0,
    })
  }

  async store(ctx: HttpContext) {
    const { auth, request, response, session } = ctx
    const user = auth.getUserOrFail() as User
    const { name } = await request.validateUsing(createOrganizationValidator)
    const { org } = await AddOrganization.handle({ user, name, origin: originOf(ctx) })
    session.put(CURRENT_ORG_SESSION_KEY, org.id)
    session.flash('success', `${org.name} is ready. Your ${TRIAL_DAYS}-day trial has started.`)
    return response.redirect().toRoute('orgs.dashboard.show')
  }
}
