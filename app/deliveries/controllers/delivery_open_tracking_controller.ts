import type { HttpContext } from '@adonisjs/core/http'
import { handle } from '#core/http/outcomes'
import { redirectWith } from '#core/http/forms'
import { actingIn } from '#orgs/middleware/acting'
import SetEmailOpenTracking from '#deliveries/actions/set_email_open_tracking'

/** `POST /settings/delivery/open-tracking` turns email open tracking on, `DELETE` turns it off. */
export default class DeliveryOpenTrackingController {
  async store(ctx: HttpContext) {
    return this.change(ctx, true)
  }

  async destroy(ctx: HttpContext) {
    return this.change(ctx, false)
  }

  private async change(ctx: HttpContext, on: boolean) {
    await ctx.bouncer.authorize('allows', 'deliveries.manage')
    const result = await SetEmailOpenTracking.handle({ ...actingIn(ctx), on })
    const done = () =>
      redirectWith(
        ctx,
        'success',
        on
          ? 'Open tracking is on: emails sent from now on carry a tracking image.'
          : 'Open tracking is off: emails sent from now on carry no tracking image.'
      ).toRoute('deliveries.integrations.index')
    return handle(result, { changed: done, unchanged: done })
  }
}
