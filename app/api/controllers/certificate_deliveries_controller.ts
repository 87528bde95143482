import type { HttpContext } from '@adonisjs/core/http'
import { foundOr404 } from '#core/http/not_found'
import OrgCertificates from '#certificates/queries/org_certificates'
import StartDelivery from '#deliveries/actions/start_delivery'
import DeliveryMessage from '#deliveries/models/delivery_message'
import { messageDetails } from '#deliveries/queries/delivery_message_details'
import { certificateDeliveryValidator, deliveryMessages } from '#deliveries/validators/delivery'
import { fail } from '#api/controllers/api_responses'
import { deliveryRefusal } from '#api/controllers/delivery_refusals'
import { deliveryMessageJson } from '#api/controllers/delivery_json'

/**
 * `POST /api/v1/certificates/:id/delivery` `{ channel }` → 202 the message:
 * a resend of one certificate, a delivery of its job with that certificate
 * picked. The message carries only that certificate.
 */
export default class CertificateDeliveriesController {
  async store(ctx: HttpContext) {
    const { apiOrg, apiKey, params, request, response } = ctx
    const certificate = foundOr404(await OrgCertificates.find(apiOrg, params.id))
    const { channel } = await request.validateUsing(certificateDeliveryValidator, {
      messagesProvider: deliveryMessages,
    })
    if (!certificate.generationJobId)
      return fail(response, 422, [
        {
          code: 'E_NOT_FROM_A_JOB',
          message: 'This certificate was not issued by a generation job, so it cannot be sent.',
        },
      ])
    const result = await StartDelivery.handle({
      org: apiOrg,
      job: certificate.generationJobId,
      channels: [channel],
      audience: 'picked',
      certificateIds: [certificate.id],
      fallbackToEmail: false,
      actorUserId: null,
      apiKeyId: apiKey.id,
    })
    if (result.kind === 'refused')
      return deliveryRefusal(response, result, {
        E_NO_WHATSAPP_INTEGRATION: 'channel',
        E_INTEGRATION_PAUSED: 'channel',
        E_NOTHING_TO_SEND: 'channel',
        E_CERTIFICATES_NOT_IN_JOB: 'id',
      })
    const message = await DeliveryMessage.query()
      .where('organization_id', apiOrg.id)
      .where('delivery_id', result.delivery.id)
      .where('channel', channel)
      .firstOrFail()
    const [details] = await messageDetails([message])
    return response.status(202).send(deliveryMessageJson(details))
  }
}
