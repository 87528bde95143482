import type { HttpContext } from '@adonisjs/core/http'
import { notFound } from '#core/http/not_found'
import { originOf } from '#core/http/origin'
import { handle } from '#core/http/outcomes'
import RevokeCertificate from '#certificates/actions/revoke_certificate'
import { revocationValidator } from '#certificates/validators/certificate'
import { fail } from '#api/controllers/api_responses'
import { certificateJson } from '#api/controllers/certificate_json'

/**
 * `POST /api/v1/certificates/:id/revocation` `{ reason }`: 200 with the revoked certificate;
 * 409 when it is no longer in force.
 */
export default class CertificateRevocationsController {
  async store(ctx: HttpContext) {
    const { apiOrg, params, request, response } = ctx
    const { reason } = await request.validateUsing(revocationValidator)
    const result = await RevokeCertificate.handle({
      org: apiOrg,
      certificateId: params.id,
      reason: reason ?? '',
      actorUserId: null,
      origin: originOf(ctx),
      via: 'api',
    })
    return handle(result, {
      revoked: ({ certificate }) => certificateJson(certificate),
      invalid: ({ errors }) => fail(response, 422, errors),
      not_in_force: ({ code, message }) => fail(response, 409, [{ code, message }]),
      not_found: () => {
        throw notFound()
      },
    })
  }
}
