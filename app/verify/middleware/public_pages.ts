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

/**
 * `/v/*`: no forms, so no session either. The router-wide CSRF middleware
 * puts a secret in a new session on every request; emptying a session this
 * request created keeps each scan (and each refused one) from writing a
 * sessions row. A visitor's existing session is left alone.
 */
export async function verificationPages(ctx: HttpContext, next: NextFn) {
  publicHeaders(ctx)
  try {
    return await next()
  } finally {
    if (ctx.session?.fresh && !ctx.session.readonly) ctx.session.clear()
  }
}

/** `/verify`: the upload form carries a CSRF token, so its session is kept. */
export async function uploadPages(ctx: HttpContext, next: NextFn) {
  publicHeaders(ctx)
  return next()
}
