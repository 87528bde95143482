import type { HttpContext } from '@adonisjs/core/http'
import uploads from '#config/uploads'
import { formatBytes } from '#core/services/file_type'
import { readUploadedFile } from '#core/services/uploaded_file'
import CertificateVerification, { type Verification } from '#certificates/queries/verification'
import RecordVerificationEvent from '#certificates/actions/record_verification_event'
import VerificationThrottle from '#certificates/services/verification_throttle'
import { fileRequired, fileTooLarge } from '#api/controllers/api_responses'
import { notFound } from '#core/http/not_found'
import { originOf } from '#core/http/origin'
import { verificationUrl } from '#certificates/services/verification_links'

/** The certificate found, its lookup recorded; none found is the same 404 as any unknown resource. */
async function answered(ctx: HttpContext, verification: Verification | null, by: 'token' | 'pdf') {
  if (!verification) {
    await VerificationThrottle.miss(ctx)
    throw notFound()
  }
  if (by === 'token') await VerificationThrottle.hit(ctx, verification.certificate.id)
  await RecordVerificationEvent.handle({
    certificate: verification.certificate,
    source: 'api',
    status: verification.view.status,
    origin: originOf(ctx),
    metadata: { by },
  })
  return verification.view
}

/**
 * `/api/v1/verify`: public verification as JSON, for anyone (no API key),
 * throttled as the /v pages are. Unknown tokens and unmatched files answer the same
 * 404 as any unknown resource; `pending` certificates do not exist here.
 */
export default class VerifyController {
  /** `GET /api/v1/verify/:token` */
  async show(ctx: HttpContext) {
    return answered(ctx, await VerificationThrottle.lookUp(ctx, ctx.params.token), 'token')
  }

  /**
   * `POST /api/v1/verify/pdf` (multipart `file`): the certificate whose recorded SHA-256 is that
   * of these exact bytes. A file that matches nothing but carries one of our verification links
   * (re-saved or edited) answers 422 `E_PDF_ALTERED` with the original's number, status and link:
   * never 200 for bytes that were not issued.
   */
  async store(ctx: HttpContext) {
    const { response } = ctx
    await VerificationThrottle.upload(ctx)
    const upload = await readUploadedFile(ctx, 'file', uploads.maxBytes)
    if (upload.kind === 'missing') {
      return fileRequired(response, 'Send the certificate PDF as the multipart part "file".')
    }
    if (upload.kind === 'too_large') {
      return fileTooLarge(
        response,
        `The file is larger than ${formatBytes(upload.maxBytes)}; no certificate is that large.`
      )
    }
    const exact = await CertificateVerification.byDocument(upload.bytes)
    if (exact) return answered(ctx, exact, 'pdf')
    const original = await CertificateVerification.alteredFrom(upload.bytes)
    if (!original) return answered(ctx, null, 'pdf')
    RecordVerificationEvent.handle({
      certificate: original.certificate,
      source: 'api',
      status: original.view.status,
      origin: originOf(ctx),
      metadata: { by: 'pdf', altered: true },
    })
    return response.status(422).send({
      errors: [
        {
          code: 'E_PDF_ALTERED',
          message: `This file is not the PDF that was issued: it differs from certificate ${original.view.certificate_number}, whose verification link it carries. Check the original at its verification URL.`,
        },
      ],
      original: {
        certificate_number: original.view.certificate_number,
        status: original.view.status,
        verification_url: verificationUrl(original.certificate.id),
      },
    })
  }
}
