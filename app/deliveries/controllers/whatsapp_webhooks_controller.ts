import type { HttpContext } from '@adonisjs/core/http'
import RecordWhatsappStatuses from '#deliveries/actions/record_whatsapp_statuses'
import { queueFallbackEmails } from '#deliveries/services/send_worker'
import { sameAppIntegrations, webhookIntegration } from '#deliveries/queries/webhook_integrations'
import { constantTimeEqual } from '#core/services/constant_time'
import { hubSignatureValid } from '#deliveries/services/webhook_signatures'

const problem = (code: string, message: string) => ({ errors: [{ code, message }] })
const CHALLENGE = /^[\w.-]{1,64}$/
const NOT_FOUND = problem('E_NOT_FOUND', 'No WhatsApp integration has this webhook URL.')

/**
 * Meta's webhook for one WhatsApp integration, public and stateless: the
 * `GET` subscription handshake (the verify token the org saved), and `POST`
 * notifications signed with the integration's app secret over the raw body.
 */
export default class WhatsappWebhooksController {
  async show({ params, request, response }: HttpContext) {
    const found = await webhookIntegration(params.integration_id, ['whatsapp_cloud'])
    if (!found) return response.notFound(NOT_FOUND)
    const query = new URLSearchParams(request.url(true).split('?')[1] ?? '')
    const token = query.get('hub.verify_token') ?? ''
    const expected = found.secrets.verify_token
    const subscribed =
      query.get('hub.mode') === 'subscribe' &&
      expected !== undefined &&
      constantTimeEqual(token, expected)
    if (!subscribed) {
      return response
        .status(403)
        .header('Content-Type', 'text/plain; charset=utf-8')
        .send('The verify token does not match this integration’s.')
    }
    const challenge = query.get('hub.challenge')
    // Meta's challenge is a number; anything else is not echoed (this page must not become a reflector).
    if (!challenge || !CHALLENGE.test(challenge)) {
      return response
        .status(400)
        .header('Content-Type', 'text/plain; charset=utf-8')
        .send('hub.challenge must be 1 to 64 letters, digits, dots, dashes or underscores.')
    }
    return response.status(200).header('Content-Type', 'text/plain; charset=utf-8').send(challenge)
  }

  async store({ params, request, response }: HttpContext) {
    const found = await webhookIntegration(params.integration_id, ['whatsapp_cloud'])
    if (!found) return response.notFound(NOT_FOUND)
    const raw = request.raw() ?? ''
    const signature = request.header('x-hub-signature-256')
    if (!hubSignatureValid(raw, signature, found.secrets.app_secret)) {
      return response.unauthorized(
        problem(
          'E_BAD_SIGNATURE',
          signature
            ? 'X-Hub-Signature-256 does not match the body signed with this integration’s app secret.'
            : 'X-Hub-Signature-256 is missing.'
        )
      )
    }
    let payload: unknown
    try {
      payload = JSON.parse(raw)
    } catch {
      return response.badRequest(problem('E_BAD_JSON', 'The notification is not valid JSON.'))
    }
    const recorded = await RecordWhatsappStatuses.handle({
      integration: found.integration,
      payload,
      // One Meta app's numbers share its callback URL: a status of another of them is that integration's.
      sameApp: () => sameAppIntegrations(found),
    })
    // Undeliverable on WhatsApp (131026 arrives here): the email the delivery asked for instead.
    await queueFallbackEmails(recorded.failedMessageIds)
    return response.ok({
      received: recorded.stored + recorded.duplicates,
      stored: recorded.stored,
      duplicates: recorded.duplicates,
    })
  }
}
