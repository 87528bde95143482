import type { HttpContext } from '@adonisjs/core/http'
import { sendDocument } from '#core/services/downloads'
import VerificationThrottle from '#certificates/services/verification_throttle'
import { certificateDocument } from '#certificates/queries/certificate_document'
import { verificationNotFound } from '#verify/controllers/verification_page'

/**
 * `GET /v/:token/pdf`: the certificate's PDF, shown in the browser
 * (`?download=1` saves it). These are the exact bytes issued: their
 * SHA-256 is the certificate's `sha256`, also sent as the ETag.
 */
export default class VerificationPdfsController {
  async show(ctx: HttpContext) {
    const verification = await VerificationThrottle.lookUp(ctx, ctx.params.token)
    const certificate = verification?.certificate
    if (!certificate?.certificateFileId || !certificate.sha256) {
      await VerificationThrottle.miss(ctx)
      return verificationNotFound(ctx)
    }
    await VerificationThrottle.hit(ctx, certificate.id)
    const { bytes, filename } = await certificateDocument(certificate)
    return sendDocument(ctx, bytes, {
      mime: 'application/pdf',
      sha256: certificate.sha256,
      filename,
      inline: ctx.request.qs().download !== '1',
    })
  }
}
