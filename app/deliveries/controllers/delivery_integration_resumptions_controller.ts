import type { HttpContext } from '@adonisjs/core/http'
import { throwNotFound } from '#core/http/not_found'
import { handle } from '#core/http/outcomes'
import { redirectWith } from '#core/http/forms'
import { formatNumber } from '#core/services/formatting'
import { actingIn } from '#orgs/middleware/acting'
import ResumeDeliveryIntegration from '#deliveries/actions/resume_delivery_integration'

/** `POST /settings/delivery/:id/resumption`: sends through an integration an account error paused. */
export default class DeliveryIntegrationResumptionsController {
  async store(ctx: HttpContext) {
    await ctx.bouncer.authorize('allows', 'deliveries.manage')
    const result = await ResumeDeliveryIntegration.handle({
      ...actingIn(ctx),
      integrationId: ctx.params.id,
    })
    return handle(result, {
      resumed: ({ integration, requeued }) =>
        redirectWith(
          ctx,
          'success',
          `“${integration.displayName}” sends again: ${formatNumber(requeued)} waiting message${requeued === 1 ? '' : 's'} queued.`
        ).toRoute('deliveries.integrations.index'),
      not_paused: ({ integration }) =>
        redirectWith(ctx, 'success', `“${integration.displayName}” is not paused.`).toRoute(
          'deliveries.integrations.index'
        ),
      not_found: throwNotFound,
    })
  }
}
