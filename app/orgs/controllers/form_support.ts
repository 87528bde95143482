import type { HttpContext } from '@adonisjs/core/http'

/** Where a request came from, for audit entries (actions never see HttpContext). */
export function originOf({ request }: HttpContext) {
  return { ip: request.ip(), userAgent: request.header('user-agent') ?? null }
}

/**
 * Shows an action's refusal next to a form field, the way a validation error
 * is shown: the input is kept (`old()`), the message sits under the field.
 */
export function flashFieldError({ session }: HttpContext, field: string, message: string) {
  session.flashExcept(['_csrf', '_method', 'password', 'password_confirmation'])
  session.flash('inputErrorsBag', { [field]: [message] })
  session.flash('errors', { [field]: [message] })
}
