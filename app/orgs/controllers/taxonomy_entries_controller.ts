import type { HttpContext } from '@adonisjs/core/http'
import UpdateTaxonomyEntry from '#orgs/actions/update_taxonomy_entry'
import { taxonomyEntryUpdateValidator } from '#orgs/validators/taxonomy'
import { taxonomyUpdateNotice, type TaxonomyNoun } from '#orgs/presenters/taxonomy_page'
import { actingIn } from '#orgs/middleware/acting'
import { firstValidationMessage, redirectWithNotice } from '#core/http/forms'

/**
 * What categories and subcategories share: the same rename/hide/show form on
 * every row of the taxonomy page (`PUT /settings/{categories,subcategories}/:id`).
 * A global entry changes only for this org.
 */
export default abstract class TaxonomyEntriesController {
  protected abstract readonly noun: TaxonomyNoun

  async update(ctx: HttpContext) {
    await ctx.bouncer.authorize('allows', 'org.manage')
    const [error, input] = await taxonomyEntryUpdateValidator.tryValidate(
      ctx.request.only(['name', 'hidden'])
    )
    const result = await UpdateTaxonomyEntry.handle({
      ...actingIn(ctx),
      entityType: this.noun,
      id: ctx.params.id,
      name: input?.name,
      hidden: input?.hidden,
    })
    const notice = taxonomyUpdateNotice(result, this.noun, error && firstValidationMessage(error))
    return redirectWithNotice(ctx, notice).toRoute('orgs.taxonomy.index')
  }
}
