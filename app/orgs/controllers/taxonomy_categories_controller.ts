import type { HttpContext } from '@adonisjs/core/http'
import AddTaxonomyCategory from '#orgs/actions/add_taxonomy_category'
import TaxonomyEntriesController from '#orgs/controllers/taxonomy_entries_controller'
import { taxonomyEntryValidator } from '#orgs/validators/taxonomy'
import { originOf } from '#core/http/origin'
import { flashFieldError, redirectWith } from '#core/http/forms'
import { handle } from '#core/http/outcomes'

export default class TaxonomyCategoriesController extends TaxonomyEntriesController {
  protected readonly noun = 'category' as const

  async store(ctx: HttpContext) {
    const { org, actor, bouncer, request, response } = ctx
    await bouncer.authorize('allows', 'org.manage')
    const { name } = await request.validateUsing(taxonomyEntryValidator)
    const result = await AddTaxonomyCategory.handle({
      org,
      name,
      actorUserId: actor.user.id,
      origin: originOf(ctx),
    })
    const done = (level: 'success' | 'error', message: string) =>
      redirectWith(ctx, level, message).toRoute('orgs.taxonomy.index')
    return handle(result, {
      created: ({ category }) => done('success', `Category “${category.name}” added.`),
      duplicate: () => {
        flashFieldError(ctx, 'name', 'A category with this name already exists (it may be hidden).')
        return response.redirect().toRoute('orgs.taxonomy.index')
      },
      no_industry: () => done('error', 'Choose your industry in the organization settings first.'),
    })
  }
}
