import type { HttpContext } from '@adonisjs/core/http'
import { foundOr404, throwNotFound } from '#core/http/not_found'
import { handle } from '#core/http/outcomes'
import { flashFieldError, redirectWith, validateOrFlash } from '#core/http/forms'
import { actingIn } from '#orgs/middleware/acting'
import RequestTestMessage from '#deliveries/actions/request_test_message'
import OrgDeliveryIntegrations from '#deliveries/queries/org_delivery_integrations'
import { testMessageValidator } from '#deliveries/validators/delivery_integration'

/**
 * `POST /settings/delivery/:id/test-message` queues a test message;
 * `GET` is the island showing the last test's outcome, which polls itself
 * while the test is pending.
 */
export default class DeliveryIntegrationTestMessagesController {
  async show({ org, bouncer, params, response, view }: HttpContext) {
    await bouncer.authorize('allows', 'deliveries.manage')
    const integration = foundOr404(await OrgDeliveryIntegrations.find(org, params.id))
    response.header('Vary', 'HX-Request')
    return view.render('components/deliveries/test_status', { integration })
  }

  async store(ctx: HttpContext) {
    const { org, bouncer, request, response, params } = ctx
    await bouncer.authorize('allows', 'deliveries.manage')
    // Another org's id is a 404 whatever the body holds.
    foundOr404(await OrgDeliveryIntegrations.find(org, params.id))
    const back = () => response.redirect().toRoute('deliveries.integrations.index')
    const input = await validateOrFlash(ctx, () => request.validateUsing(testMessageValidator))
    if (!input) return back()
    const result = await RequestTestMessage.handle({
      ...actingIn(ctx),
      integrationId: params.id,
      to: input.to,
    })
    return handle(result, {
      queued: ({ integration }) =>
        redirectWith(
          ctx,
          'success',
          `Sending a test message to ${integration.lastTestTo}: the result shows beside “${integration.displayName}”.`
        ).toRoute('deliveries.integrations.index'),
      not_found: throwNotFound,
      disabled: ({ integration }) =>
        redirectWith(
          ctx,
          'error',
          `“${integration.displayName}” is disabled: enable it to send a test message.`
        ).toRoute('deliveries.integrations.index'),
      invalid_recipient: ({ message }) => {
        flashFieldError(ctx, 'to', message)
        return back()
      },
    })
  }
}
