import type { HttpContext } from '@adonisjs/core/http'
import uploads from '#config/uploads'
import { formatBytes } from '#core/services/file_type'
import { readUploadedFile } from '#core/services/uploaded_file'
import CertificateVerification from '#certificates/queries/verification'
import RecordVerificationEvent from '#certificates/actions/record_verification_event'
import VerificationThrottle from '#certificates/services/verification_throttle'
import { verificationUrl } from '#certificates/services/verification_links'
import { certificateDetails, visitorOf } from '#verify/controllers/verification_page'

const form = { maxUpload: formatBytes(uploads.maxBytes), fileError: null as string | null }

/**
 * `/verify`: someone sent you a certificate PDF; is it one that was issued?
 * The exact bytes are compared (SHA-256), so an edited copy matches nothing;
 * when it still carries a certificate's verification link (in its
 * metadata), the page says the file differs and shows that original.
 */
export default class PdfChecksController {
  async create({ view }: HttpContext) {
    return view.render('pages/verify/pdf_checks/create', form)
  }

  async store(ctx: HttpContext) {
    const { response, view } = ctx
    await VerificationThrottle.upload(ctx)
    const upload = await readUploadedFile(ctx, 'file', uploads.maxBytes)
    if (upload.kind === 'missing') {
      response.status(422)
      return view.render('pages/verify/pdf_checks/create', {
        ...form,
        fileError: 'Choose the certificate PDF to check.',
      })
    }
    if (upload.kind === 'too_large') {
      response.status(413)
      return view.render('pages/verify/pdf_checks/create', {
        ...form,
        fileError: `The file is larger than ${form.maxUpload}; no certificate is that large.`,
      })
    }
    const exact = await CertificateVerification.byDocument(upload.bytes)
    const verification = exact ?? (await CertificateVerification.alteredFrom(upload.bytes))
    if (!verification) {
      await VerificationThrottle.miss(ctx)
      return view.render('pages/verify/pdf_checks/show', { ...form, found: false, altered: false })
    }
    RecordVerificationEvent.handle({
      certificate: verification.certificate,
      source: 'upload',
      status: verification.view.status,
      origin: visitorOf(ctx),
      metadata: exact ? undefined : { altered: true },
    })
    // An altered copy is answered 422 like the API: the page shows the original, never this file as valid.
    if (!exact) response.status(422)
    return view.render('pages/verify/pdf_checks/show', {
      ...form,
      found: true,
      altered: !exact,
      ...certificateDetails(verification),
      verificationUrl: verificationUrl(verification.certificate.id),
    })
  }
}
