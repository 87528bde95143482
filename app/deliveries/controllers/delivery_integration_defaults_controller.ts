import type { HttpContext } from '@adonisjs/core/http'
import { throwNotFound } from '#core/http/not_found'
import { handle } from '#core/http/outcomes'
import { redirectWith } from '#core/http/forms'
import { actingIn } from '#orgs/middleware/acting'
import SetDefaultDeliveryIntegration from '#deliveries/actions/set_default_delivery_integration'

/** `POST /settings/delivery/:id/default`: the integration its channel's messages go through. */
export default class DeliveryIntegrationDefaultsController {
  async store(ctx: HttpContext) {
    await ctx.bouncer.authorize('allows', 'deliveries.manage')
    const result = await SetDefaultDeliveryIntegration.handle({
      ...actingIn(ctx),
      integrationId: ctx.params.id,
    })
    return handle(result, {
      made_default: ({ integration }) =>
        redirectWith(
          ctx,
          'success',
          `“${integration.displayName}” is now the default for ${integration.channel === 'email' ? 'email' : 'WhatsApp'}.`
        ).toRoute('deliveries.integrations.index'),
      disabled: ({ integration }) =>
        redirectWith(
          ctx,
          'error',
          `“${integration.displayName}” is disabled: enable it before making it the default.`
        ).toRoute('deliveries.integrations.index'),
      not_found: throwNotFound,
    })
  }
}
