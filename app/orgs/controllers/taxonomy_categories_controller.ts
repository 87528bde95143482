import type { HttpContext } from '@adonisjs/core/http'
import { unhandled } from '#core/services/exhaustive'
import AddTaxonomyCategory from '#orgs/actions/add_taxonomy_category'
import { taxonomyEntryValidator } from '#orgs/validators/taxonomy'
import { originOf } from '#core/http/origin'
import { flashFieldError } from '#core/http/forms'
import { updateTaxonomyEntry } from '#orgs/controllers/taxonomy_support'

export default class TaxonomyCategoriesController {
  async store(ctx: HttpContext) {
    const { org, actor, bouncer, request, response, session } = ctx
    await bouncer.authorize('allows', 'org.manage')
    const { name } = await request.validateUsing(taxonomyEntryValidator)
    const result = await AddTaxonomyCategory.handle({
      org,
      name,
      actorUserId: actor.user.id,
      origin: originOf(ctx),
    })
    switch (result.kind) {
      case 'created':
        session.flash('success', `Category “${result.category.name}” added.`)
        break
      case 'duplicate':
        flashFieldError(ctx, 'name', 'A category with this name already exists (it may be hidden).')
        break
      case 'no_industry':
        session.flash('error', 'Choose your industry in the organization settings first.')
        break
      default:
        return unhandled(result)
    }
    return response.redirect().toRoute('orgs.taxonomy.index')
  }

  /** Rename, hide or show; global categories change only for this org. */
  async update(ctx: HttpContext) {
    return updateTaxonomyEntry(ctx, 'category')
  }
}
