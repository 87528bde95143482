import type { HttpContext } from '@adonisjs/core/http'
import { throwNotFound } from '#core/http/not_found'
import { handle } from '#core/http/outcomes'
import { redirectWith } from '#core/http/forms'
import { actingIn } from '#orgs/middleware/acting'
import SetDeliveryIntegrationActive from '#deliveries/actions/set_delivery_integration_active'

/** `POST /settings/delivery/:id/activation` enables an integration, `DELETE` disables it. */
export default class DeliveryIntegrationActivationsController {
  async store(ctx: HttpContext) {
    return this.change(ctx, true)
  }

  async destroy(ctx: HttpContext) {
    return this.change(ctx, false)
  }

  private async change(ctx: HttpContext, active: boolean) {
    await ctx.bouncer.authorize('allows', 'deliveries.manage')
    const result = await SetDeliveryIntegrationActive.handle({
      ...actingIn(ctx),
      integrationId: ctx.params.id,
      active,
    })
    const done = ({ integration }: { integration: { displayName: string } }) =>
      redirectWith(
        ctx,
        'success',
        active
          ? `“${integration.displayName}” is enabled.`
          : `“${integration.displayName}” is disabled: nothing is sent through it.`
      ).toRoute('deliveries.integrations.index')
    return handle(result, { changed: done, unchanged: done, not_found: throwNotFound })
  }
}
