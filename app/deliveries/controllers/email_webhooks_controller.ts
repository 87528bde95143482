import type { HttpContext } from '@adonisjs/core/http'
import RecordEmailProviderEvents from '#deliveries/actions/record_email_provider_events'
import { webhookIntegration } from '#deliveries/queries/webhook_integrations'
import {
  mailgunSignatureValid,
  standardWebhookValid,
} from '#deliveries/services/webhook_signatures'

const problem = (code: string, message: string) => ({ errors: [{ code, message }] })
const NOT_FOUND = problem('E_NOT_FOUND', 'No email integration has this webhook URL.')

/**
 * An HTTP email provider's event webhook for one integration (bounces,
 * complaints, deliveries), public and stateless, checked with the
 * integration's webhook signing key over the raw body: Resend signs as
 * Standard Webhooks do (`svix-*` or `webhook-*` headers), Mailgun puts an
 * HMAC of its timestamp and token in the body. A bad or missing signature,
 * or an integration without a signing key, is a 401 and nothing is stored.
 */
export default class EmailWebhooksController {
  async store({ params, request, response }: HttpContext) {
    const found = await webhookIntegration(params.integration_id, ['resend', 'mailgun'])
    if (!found) return response.notFound(NOT_FOUND)
    const provider = found.integration.provider as 'resend' | 'mailgun'
    const raw = request.raw() ?? ''
    const key = found.secrets.webhook_signing_key
    if (!key) {
      return response.unauthorized(
        problem(
          'E_NO_SIGNING_KEY',
          'This integration has no webhook signing key: add it under Settings → Delivery to receive events.'
        )
      )
    }
    let payload: any
    try {
      payload = JSON.parse(raw)
    } catch {
      payload = undefined
    }
    const signed =
      provider === 'resend'
        ? standardWebhookValid(
            raw,
            {
              id: request.header('svix-id') ?? request.header('webhook-id'),
              timestamp: request.header('svix-timestamp') ?? request.header('webhook-timestamp'),
              signature: request.header('svix-signature') ?? request.header('webhook-signature'),
            },
            key
          )
        : mailgunSignatureValid(payload?.signature, key)
    if (!signed) {
      return response.unauthorized(
        problem(
          'E_BAD_SIGNATURE',
          'The signature does not match this integration’s webhook signing key.'
        )
      )
    }
    if (payload === undefined) {
      return response.badRequest(problem('E_BAD_JSON', 'The event is not valid JSON.'))
    }
    const recorded = await RecordEmailProviderEvents.handle({
      integration: found.integration,
      provider,
      payload,
    })
    return response.ok(recorded)
  }
}
