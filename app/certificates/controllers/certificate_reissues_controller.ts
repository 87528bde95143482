import type { HttpContext } from '@adonisjs/core/http'
import { unhandled } from '#core/services/exhaustive'
import { originOf } from '#core/http/origin'
import { flashInput } from '#core/http/forms'
import ChangeCertificate from '#certificates/actions/change_certificate'
import { notFound } from '#core/http/not_found'
import {
  certificateToChange,
  changedValues,
  reissueFormValidator,
} from '#certificates/controllers/certificate_support'

/**
 * `POST /certificates/:id/reissue`: a corrected certificate (new number,
 * new PDF, same dates) replaces this one, which is marked superseded.
 * Only the values the form changed are sent as corrections.
 */
/** Each error under its field of the form (`changes[<key>]`), the input kept. */
function flashCorrectionErrors(
  ctx: HttpContext,
  errors: Array<{ field: string; message: string }>,
  back: () => void
) {
  const { session } = ctx
  flashInput(ctx)
  const bag = { changes: Object.fromEntries(errors.map((error) => [error.field, [error.message]])) }
  session.flash('inputErrorsBag', bag)
  session.flash('errors', bag)
  return back()
}

export default class CertificateReissuesController {
  async store(ctx: HttpContext) {
    const { org, actor, request, response, session } = ctx
    const { certificate, back } = await certificateToChange(ctx)
    const [error, input] = await reissueFormValidator.tryValidate(request.all())
    if (error)
      return flashCorrectionErrors(
        ctx,
        error.messages.map((message: { field: string; message: string }) => ({
          field: message.field.replace(/^changes\./, ''),
          message: message.message,
        })),
        back
      )
    const changes = changedValues(certificate, input.changes ?? {})
    const result = await ChangeCertificate.reissue({
      org,
      certificateId: certificate.id,
      changes,
      actorUserId: actor.user.id,
      origin: originOf(ctx),
      via: 'web',
    })
    switch (result.kind) {
      case 'ok':
        session.flash(
          'success',
          `Reissued as ${result.certificate.certificateNumber}. ${certificate.certificateNumber} is now marked superseded, and its verification page points here.`
        )
        return response
          .redirect()
          .toRoute('certificates.certificates.show', { id: result.certificate.id })
      case 'invalid':
        return flashCorrectionErrors(ctx, result.errors, back)
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
