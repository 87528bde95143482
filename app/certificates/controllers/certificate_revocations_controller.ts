import type { HttpContext } from '@adonisjs/core/http'
import { originOf } from '#core/http/origin'
import { flashFieldError, redirectWith } from '#core/http/forms'
import { foundOr404, notFound } from '#core/http/not_found'
import { handle } from '#core/http/outcomes'
import RevokeCertificate from '#certificates/actions/revoke_certificate'
import OrgCertificates from '#certificates/queries/org_certificates'
import { revocationMessages, revocationValidator } from '#certificates/validators/certificate'

/** `POST /certificates/:id/revocation`: revoked with a reason, which its verification page then shows. */
export default class CertificateRevocationsController {
  async store(ctx: HttpContext) {
    const { org, actor, bouncer, params, request, response } = ctx
    await bouncer.authorize('allows', 'certificates.revoke')
    // Looked up first: another org's id is a 404 whatever the form holds.
    const certificate = foundOr404(await OrgCertificates.find(org, params.id))
    const back = () =>
      response.redirect().toRoute('certificates.certificates.show', { id: certificate.id })
    const input = await request.validateUsing(revocationValidator, {
      messagesProvider: revocationMessages,
    })
    const result = await RevokeCertificate.handle({
      org,
      certificateId: certificate.id,
      reason: input.reason ?? '',
      actorUserId: actor.user.id,
      origin: originOf(ctx),
      via: 'web',
    })
    return handle(result, {
      revoked: ({ certificate: revoked }) =>
        redirectWith(
          ctx,
          'success',
          `Certificate ${revoked.certificateNumber} revoked. Its verification page now says so, with your reason.`
        ).toRoute('certificates.certificates.show', { id: revoked.id }),
      invalid: ({ errors }) => {
        flashFieldError(ctx, errors[0].field, errors[0].message)
        return back()
      },
      not_in_force: ({ message }) =>
        redirectWith(ctx, 'error', message).toRoute('certificates.certificates.show', {
          id: certificate.id,
        }),
      not_found: () => {
        throw notFound()
      },
    })
  }
}
