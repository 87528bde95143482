import type { HttpContext } from '@adonisjs/core/http'
import { unhandled } from '#core/services/exhaustive'
import { originOf } from '#core/http/origin'
import { flashFieldError } from '#core/http/forms'
import ChangeCertificate from '#certificates/actions/change_certificate'
import { revocationValidator } from '#certificates/validators/generation_job'
import { notFound } from '#core/http/not_found'
import {
  certificateToChange,
  revocationMessages,
} from '#certificates/controllers/certificate_support'

/** `POST /certificates/:id/revocation`: revoked with a reason, which its verification page then shows. */
export default class CertificateRevocationsController {
  async store(ctx: HttpContext) {
    const { org, actor, request, session } = ctx
    const { certificate, back } = await certificateToChange(ctx)
    const input = await request.validateUsing(revocationValidator, {
      messagesProvider: revocationMessages,
    })
    const result = await ChangeCertificate.revoke({
      org,
      certificateId: certificate.id,
      reason: input.reason ?? '',
      actorUserId: actor.user.id,
      origin: originOf(ctx),
      via: 'web',
    })
    switch (result.kind) {
      case 'ok':
        session.flash(
          'success',
          `Certificate ${result.certificate.certificateNumber} revoked. Its verification page now says so, with your reason.`
        )
        return back()
      case 'invalid':
        flashFieldError(ctx, result.errors[0].field, result.errors[0].message)
        return back()
      case 'conflict':
        session.flash('error', result.message)
        return back()
      case 'not_found':
        throw notFound()
      default:
        return unhandled(result)
    }
  }
}
