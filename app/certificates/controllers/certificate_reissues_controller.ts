import type { HttpContext } from '@adonisjs/core/http'
import { originOf } from '#core/http/origin'
import { flashInput, redirectWith } from '#core/http/forms'
import { foundOr404, notFound } from '#core/http/not_found'
import { handle } from '#core/http/outcomes'
import ReissueCertificate from '#certificates/actions/reissue_certificate'
import OrgCertificates from '#certificates/queries/org_certificates'
import { changedValues } from '#certificates/presenters/certificate_page'
import { reissueFormValidator } from '#certificates/validators/certificate'

/** Each error under its field of the form (`changes[<key>]`), the input kept. */
function flashCorrectionErrors(
  ctx: HttpContext,
  errors: Array<{ field: string; message: string }>
) {
  const { session } = ctx
  flashInput(ctx)
  const bag = { changes: Object.fromEntries(errors.map((error) => [error.field, [error.message]])) }
  session.flash('inputErrorsBag', bag)
  session.flash('errors', bag)
}

/**
 * `POST /certificates/:id/reissue`: a corrected certificate (new number,
 * new PDF, same dates) replaces this one, which is marked superseded.
 * Only the values the form changed are sent as corrections.
 */
export default class CertificateReissuesController {
  async store(ctx: HttpContext) {
    const { org, actor, bouncer, params, request, response } = ctx
    await bouncer.authorize('allows', 'certificates.revoke')
    // Looked up first: another org's id is a 404 whatever the form holds.
    const certificate = foundOr404(await OrgCertificates.find(org, params.id))
    const back = () =>
      response.redirect().toRoute('certificates.certificates.show', { id: certificate.id })
    const [error, input] = await reissueFormValidator.tryValidate(request.all())
    if (error) {
      flashCorrectionErrors(
        ctx,
        error.messages.map((message: { field: string; message: string }) => ({
          field: message.field.replace(/^changes\./, ''),
          message: message.message,
        }))
      )
      return back()
    }
    const result = await ReissueCertificate.handle({
      org,
      certificateId: certificate.id,
      changes: changedValues(certificate, input.changes ?? {}),
      actorUserId: actor.user.id,
      origin: originOf(ctx),
      via: 'web',
    })
    return handle(result, {
      reissued: ({ certificate: fresh }) =>
        redirectWith(
          ctx,
          'success',
          `Reissued as ${fresh.certificateNumber}. ${certificate.certificateNumber} is now marked superseded, and its verification page points here.`
        ).toRoute('certificates.certificates.show', { id: fresh.id }),
      invalid: ({ errors }) => {
        flashCorrectionErrors(ctx, errors)
        return back()
      },
      not_in_force: ({ message }) => {
        ctx.session.flash('error', message)
        return back()
      },
      not_found: () => {
        throw notFound()
      },
    })
  }
}
