import type { HttpContext } from '@adonisjs/core/http'
import { handle } from '#core/http/outcomes'
import RecordRazorpayEvent from '#billing/actions/record_razorpay_event'

const problem = (code: string, message: string) => ({ errors: [{ code, message }] })

/**
 * `POST /webhooks/razorpay`: public and stateless, authenticated by
 * `X-Razorpay-Signature` over the raw body. Answers as soon as the event is
 * stored; a queue job applies it.
 */
export default class RazorpayWebhooksController {
  async store({ request, response }: HttpContext) {
    const result = await RecordRazorpayEvent.handle({
      raw: request.raw() ?? '',
      signature: request.header('x-razorpay-signature'),
      eventId: request.header('x-razorpay-event-id'),
    })
    return handle(result, {
      stored: () => response.ok({ stored: true, duplicate: false }),
      duplicate: () => response.ok({ stored: false, duplicate: true }),
      bad_signature: ({ message }) => response.unauthorized(problem('E_BAD_SIGNATURE', message)),
      bad_request: ({ code, message }) => response.badRequest(problem(code, message)),
      too_old: ({ message }) => response.badRequest(problem('E_EVENT_TOO_OLD', message)),
    })
  }
}
