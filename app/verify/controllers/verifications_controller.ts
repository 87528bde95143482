import type { HttpContext } from '@adonisjs/core/http'
import RecordVerificationEvent from '#certificates/actions/record_verification_event'
import VerificationThrottle from '#certificates/services/verification_throttle'
import {
  renderVerificationPage,
  verificationNotFound,
  visitorOf,
} from '#verify/controllers/verification_page'

/** `GET /v/:token`: the page a certificate's QR code (`?via=qr`) and link open. */
export default class VerificationsController {
  async show(ctx: HttpContext) {
    const { params, request } = ctx
    const verification = await VerificationThrottle.lookUp(ctx, params.token)
    if (!verification) {
      await VerificationThrottle.miss(ctx)
      return verificationNotFound(ctx)
    }
    await VerificationThrottle.hit(ctx, verification.certificate.id)
    // HEAD (link previews, uptime checks) shows nobody anything: not a view.
    if (request.method() === 'GET') {
      await RecordVerificationEvent.handle({
        certificate: verification.certificate,
        source: request.qs().via === 'qr' ? 'qr' : 'link',
        status: verification.view.status,
        origin: visitorOf(ctx),
      })
    }
    return renderVerificationPage(ctx, verification, params.token)
  }
}
