import type { HttpContext } from '@adonisjs/core/http'
import { sendStoredFile } from '#core/services/downloads'
import CertificateVerification from '#certificates/queries/verification'
import VerificationThrottle from '#certificates/services/verification_throttle'
import { verificationNotFound } from '#verify/controllers/verification_page'

/** `GET /v/:token/logo`: the issuer's logo on its certificate's page; reachable only with a valid token. */
export default class VerificationLogosController {
  async show(ctx: HttpContext) {
    const verification = await VerificationThrottle.lookUp(ctx, ctx.params.token)
    if (!verification) await VerificationThrottle.miss(ctx)
    // Counted with the page that shows it (per address, not per certificate).
    const logo = verification ? await CertificateVerification.issuerLogo(verification.issuer) : null
    if (!logo) return verificationNotFound(ctx)
    return sendStoredFile(ctx, logo, {
      filename: logo.mimeType === 'image/jpeg' ? 'logo.jpg' : 'logo.png',
      inline: true,
      maxAgeSeconds: 300,
    })
  }
}
