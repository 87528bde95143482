import type { HttpContext } from '@adonisjs/core/http'
import type { NextFn } from '@adonisjs/core/types/http'

/**
 * A `/v/<token>` URL is a capability: whoever holds it sees the certificate.
 * Its pages send no Referer to the sites they link to (LinkedIn), are not
 * indexed, and are not kept by caches (a revocation must show at once).
 */
function publicHeaders(ctx: HttpContext) {
  ctx.response.header('Referrer-Policy', 'no-referrer')
  ctx.response.header('X-Robots-Tag', 'noindex, nofollow')
  ctx.response.header('Cache-Control', 'no-store')
}

/** `/v/*`: no forms, so no session either (declared without browser state in routes.ts). */
export function verificationPages(ctx: HttpContext, next: NextFn) {
  publicHeaders(ctx)
  return next()
}

/** `/verify`: the upload form carries a CSRF token, kept in a guest session (a cookie, no row). */
export async function uploadPages(ctx: HttpContext, next: NextFn) {
  publicHeaders(ctx)
  return next()
}
