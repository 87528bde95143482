import type { HttpContext } from '@adonisjs/core/http'
import Industry from '#orgs/models/industry'
import OrgTaxonomy from '#orgs/queries/org_taxonomy'

export default class TaxonomyController {
  /** Every category the org can see, hidden ones included so they can be shown again. */
  async index({ org, bouncer, view }: HttpContext) {
    await bouncer.authorize('allows', 'org.manage')
    const industry = org.industryId ? await Industry.find(org.industryId) : null
    const categories = await OrgTaxonomy.for(org, { includeHidden: true })
    return view.render('pages/orgs/taxonomy/index', { industry, categories })
  }
}
