import type { HttpContext } from '@adonisjs/core/http'

/** Where a request came from, for audit entries (actions never see HttpContext). */
export function originOf({ request }: HttpContext) {
  return { ip: request.ip(), userAgent: request.header('user-agent') ?? null }
}
