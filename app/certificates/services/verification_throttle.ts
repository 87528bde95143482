import type { HttpContext } from '@adonisjs/core/http'
import limiter from '@adonisjs/limiter/services/main'
import { errors } from '@adonisjs/limiter'
import verification from '#config/verification'
import { shareOfLimit } from '#core/services/web_cluster'
import CertificateVerification from '#certificates/queries/verification'

/**
 * Public verification's throttles (limits in config/verification.ts),
 * in this process's memory: nothing on the path of a scan writes to the
 * database. The limits are per host: with several web processes each
 * counts its share (`shareOfLimit`), so together they allow no more.
 * Each check throws the limiter's `E_TOO_MANY_REQUESTS`, which the
 * exception handler answers with 429, `Retry-After` and a page or JSON body
 * that says why.
 *
 * The web pages and the JSON API look tokens up through `lookUp` and call
 * these after it: a certificate found is a hit (`hit`), an unknown token or
 * a PDF that matches nothing a miss (`miss`); a PDF check is counted before
 * it is hashed (`upload`).
 */
const MINUTE = '1 minute'

const perIpHits = () =>
  limiter.use('memory', {
    requests: shareOfLimit(verification.throttle.hitsPerIp),
    duration: MINUTE,
  })
const perCertificateHits = () =>
  limiter.use('memory', {
    requests: shareOfLimit(verification.throttle.hitsPerCertificate),
    duration: MINUTE,
  })
const perIpMisses = () =>
  limiter.use('memory', {
    requests: shareOfLimit(verification.throttle.missesPerIp),
    duration: MINUTE,
  })
const perIpUploads = () =>
  limiter.use('memory', {
    requests: shareOfLimit(verification.throttle.uploadsPerIp),
    duration: MINUTE,
  })

async function consume(
  limit: ReturnType<typeof perIpHits>,
  key: string,
  message: (retryAfterSeconds: number) => string
) {
  try {
    await limit.consume(key)
  } catch (error) {
    if (error instanceof errors.E_TOO_MANY_REQUESTS) {
      error.setMessage(message(Math.max(1, error.response.availableIn)))
    }
    throw error
  }
}

const missKey = (ctx: HttpContext) => `verify_miss_ip_${ctx.request.ip()}`

const seconds = (count: number) => `${count} second${count === 1 ? '' : 's'}`

export default class VerificationThrottle {
  /**
   * The certificate of a token, for this visitor. An address already over
   * its limit of misses asking for a token surely never issued (#certificates/services/verification_cache,
   * `mightBeIssued`) is refused with the miss's 429 before any query: once
   * throttled, a scanner costs no database work, while a graduate behind
   * the same address still gets their certificate (its token is known).
   * Found or not is then counted by the caller (`hit`, `miss`).
   */
  static async lookUp(ctx: HttpContext, token: unknown) {
    if (!CertificateVerification.mightExist(token)) {
      const left = await perIpMisses().remaining(missKey(ctx))
      if (left <= 0) await this.miss(ctx)
    }
    return CertificateVerification.byToken(token)
  }

  /** A certificate was found for this visitor: per address and per certificate. */
  static async hit(ctx: HttpContext, certificateId: string) {
    await consume(
      perIpHits(),
      `verify_hit_ip_${ctx.request.ip()}`,
      (wait) =>
        `More than ${verification.throttle.hitsPerIp} certificates were looked up from your network address in the last minute. Try again in ${seconds(wait)}.`
    )
    await consume(
      perCertificateHits(),
      `verify_hit_certificate_${certificateId}`,
      (wait) =>
        `This certificate was opened more than ${verification.throttle.hitsPerCertificate} times in the last minute. Try again in ${seconds(wait)}.`
    )
  }

  /** Nothing was found: an unknown token, or a PDF that matches no certificate. */
  static async miss(ctx: HttpContext) {
    await consume(
      perIpMisses(),
      missKey(ctx),
      (wait) =>
        `More than ${verification.throttle.missesPerIp} links or files that match no certificate came from your network address in the last minute. Check the link or QR code, and try again in ${seconds(wait)}.`
    )
  }

  /** A PDF is about to be hashed and looked up. */
  static async upload(ctx: HttpContext) {
    await consume(
      perIpUploads(),
      `verify_upload_ip_${ctx.request.ip()}`,
      (wait) =>
        `More than ${verification.throttle.uploadsPerIp} files were checked from your network address in the last minute. Try again in ${seconds(wait)}.`
    )
  }
}
