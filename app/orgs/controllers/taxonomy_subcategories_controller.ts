import type { HttpContext } from '@adonisjs/core/http'
import { unhandled } from '#core/services/exhaustive'
import AddTaxonomySubcategory from '#orgs/actions/add_taxonomy_subcategory'
import { taxonomyEntryValidator } from '#orgs/validators/taxonomy'
import OrgTaxonomy from '#orgs/queries/org_taxonomy'
import { originOf } from '#core/http/origin'
import { notFound } from '#core/http/not_found'
import { firstMessage, updateTaxonomyEntry } from '#orgs/controllers/taxonomy_support'

export default class TaxonomySubcategoriesController {
  /** Adds an own subcategory under the category `:id`. */
  async store(ctx: HttpContext) {
    const { org, actor, bouncer, params, request, response, session } = ctx
    await bouncer.authorize('allows', 'org.manage')
    if (!(await OrgTaxonomy.category(org, params.id))) throw notFound()
    // Every category card has this form, so errors go to the flash, not to one shared field.
    const [error, input] = await taxonomyEntryValidator.tryValidate(request.only(['name']))
    if (error) {
      session.flash('error', firstMessage(error))
      return response.redirect().toRoute('orgs.taxonomy.index')
    }
    const result = await AddTaxonomySubcategory.handle({
      org,
      categoryId: params.id,
      name: input.name,
      actorUserId: actor.user.id,
      origin: originOf(ctx),
    })
    switch (result.kind) {
      case 'not_found':
        throw notFound()
      case 'created':
        session.flash('success', `Subcategory “${result.subcategory.name}” added.`)
        break
      case 'duplicate':
        session.flash(
          'error',
          'This category already has a subcategory with that name (it may be hidden).'
        )
        break
      case 'category_hidden':
        session.flash('error', 'Show the category again before adding subcategories to it.')
        break
      default:
        return unhandled(result)
    }
    return response.redirect().toRoute('orgs.taxonomy.index')
  }

  async update(ctx: HttpContext) {
    return updateTaxonomyEntry(ctx, 'subcategory')
  }
}
