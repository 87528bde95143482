import type { HttpContext } from '@adonisjs/core/http'
import { notFound } from '#core/http/not_found'
import { originOf } from '#core/http/origin'
import { handle } from '#core/http/outcomes'
import ReissueCertificate from '#certificates/actions/reissue_certificate'
import { fail } from '#api/controllers/api_responses'
import { certificateJson } from '#api/controllers/certificate_json'

/**
 * `POST /api/v1/certificates/:id/reissue` `{ <key>: <corrected value>, ... }`: 201 with the new
 * certificate and the one it replaces; 409 when no longer in force.
 */
export default class CertificateReissuesController {
  async store(ctx: HttpContext) {
    const { apiOrg, params, request, response } = ctx
    const body = request.body()
    const changes =
      typeof body === 'object' && body && !Array.isArray(body)
        ? (body as Record<string, unknown>)
        : {}
    const result = await ReissueCertificate.handle({
      org: apiOrg,
      certificateId: params.id,
      changes,
      actorUserId: null,
      origin: originOf(ctx),
      via: 'api',
    })
    return handle(result, {
      reissued: ({ certificate, previous }) =>
        response.status(201).send({
          ...certificateJson(certificate),
          reissued_from: certificateJson(previous),
        }),
      invalid: ({ errors }) => fail(response, 422, errors),
      not_in_force: ({ code, message }) => fail(response, 409, [{ code, message }]),
      not_found: () => {
        throw notFound()
      },
    })
  }
}
