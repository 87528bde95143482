import type { HttpContext } from '@adonisjs/core/http'
import type { NextFn } from '@adonisjs/core/types/http'

/** Headers every response carries, including static files and errors. */
export default class SecurityHeadersMiddleware {
  async handle(ctx: HttpContext, next: NextFn) {
    ctx.response.header('X-Content-Type-Options', 'nosniff')
    ctx.response.header('Referrer-Policy', 'same-origin')
    ctx.response.header('Permissions-Policy', 'camera=(), microphone=(), geolocation=()')
    return next()
  }
}
