import type { HttpContext } from '@adonisjs/core/http'
import AddTaxonomySubcategory from '#orgs/actions/add_taxonomy_subcategory'
import TaxonomyEntriesController from '#orgs/controllers/taxonomy_entries_controller'
import { taxonomyEntryValidator } from '#orgs/validators/taxonomy'
import OrgTaxonomy from '#orgs/queries/org_taxonomy'
import { originOf } from '#core/http/origin'
import { foundOr404, notFound } from '#core/http/not_found'
import { firstValidationMessage, redirectWith } from '#core/http/forms'
import { handle } from '#core/http/outcomes'

export default class TaxonomySubcategoriesController extends TaxonomyEntriesController {
  protected readonly noun = 'subcategory' as const

  /** Adds an own subcategory under the category `:id`. */
  async store(ctx: HttpContext) {
    const { org, actor, bouncer, params, request } = ctx
    await bouncer.authorize('allows', 'org.manage')
    foundOr404(await OrgTaxonomy.category(org, params.id))
    const done = (level: 'success' | 'error', message: string) =>
      redirectWith(ctx, level, message).toRoute('orgs.taxonomy.index')
    // Every category card has this form, so errors go to the flash, not to one shared field.
    const [error, input] = await taxonomyEntryValidator.tryValidate(request.only(['name']))
    if (error) return done('error', firstValidationMessage(error))
    const result = await AddTaxonomySubcategory.handle({
      org,
      categoryId: params.id,
      name: input.name,
      actorUserId: actor.user.id,
      origin: originOf(ctx),
    })
    return handle(result, {
      not_found: () => {
        throw notFound()
      },
      created: ({ subcategory }) => done('success', `Subcategory “${subcategory.name}” added.`),
      duplicate: () =>
        done('error', 'This category already has a subcategory with that name (it may be hidden).'),
      category_hidden: () =>
        done('error', 'Show the category again before adding subcategories to it.'),
    })
  }
}
