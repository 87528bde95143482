import type { HttpContext } from '@adonisjs/core/http'
import AddTaxonomyCategory from '#orgs/actions/add_taxonomy_category'
import UpdateTaxonomyEntry from '#orgs/actions/update_taxonomy_entry'
import { taxonomyEntryUpdateValidator, taxonomyEntryValidator } from '#orgs/validators/taxonomy'
import { taxonomyUpdateNotice } from '#orgs/presenters/taxonomy_page'
import { originOf } from '#core/http/origin'
import {
  firstValidationMessage,
  flashFieldError,
  redirectWith,
  redirectWithNotice,
} from '#core/http/forms'
import { handle } from '#core/http/outcomes'

export default class TaxonomyCategoriesController {
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

  /** Rename, hide or show; global categories change only for this org. */
  async update(ctx: HttpContext) {
    const { org, actor, bouncer, params, request } = ctx
    await bouncer.authorize('allows', 'org.manage')
    const [error, input] = await taxonomyEntryUpdateValidator.tryValidate(
      request.only(['name', 'hidden'])
    )
    const result = await UpdateTaxonomyEntry.handle({
      org,
      entityType: 'category',
      id: params.id,
      name: input?.name,
      hidden: input?.hidden,
      actorUserId: actor.user.id,
      origin: originOf(ctx),
    })
    const notice = taxonomyUpdateNotice(result, 'category', error && firstValidationMessage(error))
    return redirectWithNotice(ctx, notice).toRoute('orgs.taxonomy.index')
  }
}
