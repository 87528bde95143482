import type { HttpContext } from '@adonisjs/core/http'
import RecordEmailProviderEvents, {
  type EmailWebhookProvider,
} from '#deliveries/actions/record_email_provider_events'
import { webhookIntegration } from '#deliveries/queries/webhook_integrations'
import { PROVIDER_LABELS, secretLabelOf } from '#deliveries/services/providers'
import {
  bearerTokenValid,
  mailgunSignatureValid,
  sendgridSignatureValid,
  standardWebhookValid,
} from '#deliveries/services/webhook_signatures'

const problem = (code: string, message: string) => ({ errors: [{ code, message }] })
const NOT_FOUND = problem('E_NOT_FOUND', 'No email integration has this webhook URL.')
const PROVIDERS: EmailWebhookProvider[] = ['resend', 'mailgun', 'sendgrid', 'brevo']

/**
 * An HTTP email provider's event webhook for one integration (bounces,
 * complaints, deliveries), public and stateless, checked with the
 * integration's webhook signing key over the raw body: Resend signs as
 * Standard Webhooks do (`svix-*` or `webhook-*` headers), Mailgun puts an
 * HMAC of its timestamp and token in the body, SendGrid signs timestamp and
 * body with ECDSA (the key is its public verification key), Brevo signs
 * nothing and sends the key as a bearer token. A bad or missing signature,
 * or an integration without a key, is a 401 and nothing is stored.
 */
export default class EmailWebhooksController {
  async store({ params, request, response }: HttpContext) {
    const found = await webhookIntegration(params.integration_id, PROVIDERS)
    if (!found) return response.notFound(NOT_FOUND)
    const provider = found.integration.provider as EmailWebhookProvider
    const raw = request.raw() ?? ''
    const key = found.secrets.webhook_signing_key
    const keyName = secretLabelOf(provider, 'webhook_signing_key')
    if (!key) {
      return response.unauthorized(
        problem(
          'E_NO_SIGNING_KEY',
          `This integration has no ${keyName.toLowerCase()}: add it under Settings → Delivery to receive events.`
        )
      )
    }
    let payload: any
    try {
      payload = JSON.parse(raw)
    } catch {
      payload = undefined
    }
    if (!signedBy(provider, request, raw, payload, key)) {
      return response.unauthorized(
        provider === 'brevo'
          ? problem(
              'E_BAD_TOKEN',
              `The Authorization header does not carry this integration’s ${keyName.toLowerCase()} as a bearer token.`
            )
          : problem(
              'E_BAD_SIGNATURE',
              `The signature does not match this integration’s ${keyName.toLowerCase()}.`
            )
      )
    }
    if (payload === undefined) {
      return response.badRequest(problem('E_BAD_JSON', 'The event is not valid JSON.'))
    }
    if (provider === 'sendgrid' && !Array.isArray(payload)) {
      return response.badRequest(
        problem('E_BAD_EVENTS', `${PROVIDER_LABELS.sendgrid} posts a JSON array of events.`)
      )
    }
    const recorded = await RecordEmailProviderEvents.handle({
      integration: found.integration,
      provider,
      payload,
    })
    return response.ok(recorded)
  }
}

function signedBy(
  provider: EmailWebhookProvider,
  request: HttpContext['request'],
  raw: string,
  payload: any,
  key: string
) {
  switch (provider) {
    case 'resend':
      return standardWebhookValid(
        raw,
        {
          id: request.header('svix-id') ?? request.header('webhook-id'),
          timestamp: request.header('svix-timestamp') ?? request.header('webhook-timestamp'),
          signature: request.header('svix-signature') ?? request.header('webhook-signature'),
        },
        key
      )
    case 'mailgun':
      return mailgunSignatureValid(payload?.signature, key)
    case 'sendgrid':
      return sendgridSignatureValid(
        raw,
        {
          signature: request.header('x-twilio-email-event-webhook-signature'),
          timestamp: request.header('x-twilio-email-event-webhook-timestamp'),
        },
        key
      )
    case 'brevo':
      return bearerTokenValid(request.header('authorization'), key)
  }
}
