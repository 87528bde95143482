import type { HttpContext } from '@adonisjs/core/http'
import { throwNotFound } from '#core/http/not_found'
import { handle } from '#core/http/outcomes'
import { apiActing } from '#api/middleware/acting'
import { fail } from '#api/controllers/api_responses'
import RequestTestMessage from '#deliveries/actions/request_test_message'
import { testMessageValidator } from '#deliveries/validators/delivery_integration'

/**
 * `POST /api/v1/delivery-integrations/:id/test-message` `{ to }` → 202: the
 * message is sent in the background; its outcome shows as the
 * integration's `last_test`.
 */
export default class DeliveryIntegrationTestMessagesController {
  async store(ctx: HttpContext) {
    const { request, response, params } = ctx
    const { to } = await request.validateUsing(testMessageValidator)
    const result = await RequestTestMessage.handle({
      ...apiActing(ctx),
      integrationId: params.id,
      to,
    })
    return handle(result, {
      queued: ({ integration }) =>
        response.status(202).send({
          integration_id: integration.id,
          to: integration.lastTestTo,
          status: 'pending',
        }),
      not_found: throwNotFound,
      disabled: () =>
        fail(response, 409, [
          {
            code: 'E_INTEGRATION_DISABLED',
            message: 'The integration is disabled: enable it to send a test message.',
          },
        ]),
      invalid_recipient: ({ message }) =>
        fail(response, 422, [{ code: 'E_VALIDATION_ERROR', message, field: 'to' }]),
    })
  }
}
