import type { HttpContext } from '@adonisjs/core/http'
import { errors as vineErrors } from '@vinejs/vine'

/** Form fields never written back to the session as old input. */
const SECRET_FIELDS = [
  '_csrf',
  '_method',
  'password',
  'password_confirmation',
  'current_password',
  'email_password',
]

/** Where a request came from, for audit entries (actions never see HttpContext). */
export function originOf({ request }: HttpContext) {
  return { ip: request.ip(), userAgent: request.header('user-agent') ?? null }
}

/**
 * Shows messages under form fields the way a validation error does, keeping
 * the other inputs (`old()`) but never any password: the session is stored
 * server-side and must not hold secrets.
 */
export function flashFieldErrors(
  { session }: HttpContext,
  messages: { field: string; message: string }[]
) {
  const bag: Record<string, string[]> = {}
  for (const { field, message } of messages) (bag[field] ??= []).push(message)
  session.flashExcept(SECRET_FIELDS)
  session.flash('inputErrorsBag', bag)
  session.flash('errors', bag)
}

/**
 * `request.validateUsing` for forms holding more than one password field:
 * on failure the errors are flashed without echoing any of them and null is
 * returned (the caller redirects back).
 */
export async function validateSecretForm<T>(
  ctx: HttpContext,
  validate: () => Promise<T>
): Promise<T | null> {
  try {
    return await validate()
  } catch (error) {
    if (error instanceof vineErrors.E_VALIDATION_ERROR) {
      flashFieldErrors(ctx, error.messages as { field: string; message: string }[])
      return null
    }
    throw error
  }
}

/** Only same-site paths, so a stored "intended URL" can never send the user elsewhere. */
export function safeLocalPath(value: unknown): string | null {
  if (
    typeof value !== 'string' ||
    !value.startsWith('/') ||
    value.startsWith('//') ||
    value.startsWith('/\\')
  )
    return null
  return value
}
