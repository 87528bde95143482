import type { HttpContext } from '@adonisjs/core/http'
import router from '@adonisjs/core/services/router'
import { paginationOf } from '#core/http/pagination'
import { throwNotFound } from '#core/http/not_found'
import { handle } from '#core/http/outcomes'
import { redirectWith, validateOrFlash } from '#core/http/forms'
import { actingIn } from '#orgs/middleware/acting'
import OrgDeliverySuppressions from '#deliveries/queries/org_delivery_suppressions'
import AddDeliverySuppression from '#deliveries/actions/add_delivery_suppression'
import RemoveDeliverySuppression from '#deliveries/actions/remove_delivery_suppression'
import {
  suppressionFiltersValidator,
  suppressionMessages,
  suppressionValidator,
} from '#deliveries/validators/delivery'

const REASON_WORDS = {
  hard_bounce: 'Bounced (address does not exist)',
  complaint: 'Marked as spam',
  unsubscribe: 'Unsubscribed',
  manual: 'Added by hand',
} as const

/** Settings → Delivery → Suppressions: addresses the org never sends to; add one by hand, remove one. */
export default class DeliverySuppressionsController {
  async index({ org, bouncer, request, view }: HttpContext) {
    await bouncer.authorize('allows', 'deliveries.manage')
    const pagination = await paginationOf(request.qs(), { perPage: 50 })
    // A search form: a malformed filter is dropped, not refused.
    const [, valid] = await suppressionFiltersValidator.tryValidate(request.qs())
    const filters = { channel: valid?.channel, q: valid?.q || undefined }
    const page = await OrgDeliverySuppressions.list(org, filters).paginate(
      pagination.page,
      pagination.perPage
    )
    page.baseUrl(router.builder().make('deliveries.suppressions.index'))
    page.queryString(Object.fromEntries(Object.entries(filters).filter(([, value]) => value)))
    return view.render('pages/deliveries/suppressions/index', {
      nav: 'delivery',
      suppressions: page,
      filters,
      reasonWords: REASON_WORDS,
    })
  }

  async store(ctx: HttpContext) {
    const { bouncer, request, response } = ctx
    await bouncer.authorize('allows', 'deliveries.manage')
    const input = await validateOrFlash(ctx, () =>
      suppressionValidator.validate(request.all(), { messagesProvider: suppressionMessages })
    )
    if (!input) return response.redirect().toRoute('deliveries.suppressions.index')
    const result = await AddDeliverySuppression.handle({
      ...actingIn(ctx),
      channel: input.channel,
      address: input.address,
      detail: input.detail ?? null,
    })
    return handle(result, {
      added: ({ suppression }) =>
        redirectWith(
          ctx,
          'success',
          `${suppression.address} is suppressed: nothing more is sent to it by ${suppression.channel === 'email' ? 'email' : 'WhatsApp'}.`
        ).toRoute('deliveries.suppressions.index'),
      already_listed: ({ suppression }) =>
        redirectWith(ctx, 'success', `${suppression.address} was already suppressed.`).toRoute(
          'deliveries.suppressions.index'
        ),
    })
  }

  async destroy(ctx: HttpContext) {
    await ctx.bouncer.authorize('allows', 'deliveries.manage')
    const result = await RemoveDeliverySuppression.handle({
      ...actingIn(ctx),
      suppressionId: ctx.params.id,
    })
    return handle(result, {
      removed: ({ suppression }) =>
        redirectWith(
          ctx,
          'success',
          `${suppression.address} is no longer suppressed: later sends reach it again.`
        ).toRoute('deliveries.suppressions.index'),
      not_found: throwNotFound,
    })
  }
}
