import type { HttpContext } from '@adonisjs/core/http'
import type { NextFn } from '@adonisjs/core/types/http'

/**
 * The policy for responses shield never saw: an unknown URL's 404 page (shield
 * runs per route) and routes without browser state (`#core/http/stateless`).
 * Same rules as config/shield.ts.
 */
const FALLBACK_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ')

/** config/shield.ts `hsts.maxAge`: 180 days. */
const HSTS = `max-age=${180 * 24 * 60 * 60}`

/** Headers every response carries, including static files and errors. */
export default class SecurityHeadersMiddleware {
  async handle(ctx: HttpContext, next: NextFn) {
    ctx.response.header('X-Content-Type-Options', 'nosniff')
    ctx.response.header('Referrer-Policy', 'same-origin')
    ctx.response.header('Permissions-Policy', 'camera=(), microphone=(), geolocation=()')
    await next()
    if (!ctx.response.getHeader('Content-Security-Policy')) {
      ctx.response.header('Content-Security-Policy', FALLBACK_CSP)
      ctx.response.header('X-Frame-Options', 'DENY')
      ctx.response.header('Strict-Transport-Security', HSTS)
    }
  }
}
