import type { HttpContext } from '@adonisjs/core/http'

export default class OrgController {
  /** The org the presented API key belongs to. */
  async show({ apiOrg }: HttpContext) {
    return {
      id: apiOrg.id,
      name: apiOrg.name,
      slug: apiOrg.slug,
      application_id: apiOrg.applicationId,
    }
  }
}
