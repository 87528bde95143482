import type { HttpContext } from '@adonisjs/core/http'
import type User from '#identity/models/user'
import CurrentMembership from '#orgs/queries/current_membership'
import { CURRENT_ORG_SESSION_KEY } from '#orgs/middleware/org_context_middleware'
import { switchOrganizationValidator } from '#orgs/validators/organization'
import { recordId } from '#orgs/queries/record_id'

/** PUT /current-org: switch to another org the user is an active member of. */
export default class CurrentOrgController {
  async update({ auth, request, response, session }: HttpContext) {
    const user = auth.getUserOrFail() as User
    const { organization_id: organizationId } = await request.validateUsing(
      switchOrganizationValidator
    )
    const membership = await CurrentMembership.activeFor(user)
      .where('organization_id', recordId(organizationId))
      .firstOrFail()
    session.put(CURRENT_ORG_SESSION_KEY, membership.organizationId)
    session.flash('success', `Switched to ${membership.organization.name}.`)
    return response.redirect().toRoute('orgs.dashboard.show')
  }
}
