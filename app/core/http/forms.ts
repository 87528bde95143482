import type { HttpContext } from '@adonisjs/core/http'
import { errors as vineErrors } from '@vinejs/vine'

/**
 * Fields never written back to the session as old input: the session is
 * stored server-side and must not hold a secret a user typed. Matched by
 * name, so a form added later (an SMTP password, a WhatsApp access token,
 * a TOTP code) is covered without being listed here.
 */
const SECRET_FIELD =
  /(^|_)(password|passphrase|secret|token|otp|totp|recovery_codes?|api_key|signing_key)(_|$)/i
const NOT_INPUT = new Set(['_csrf', '_method'])

export function isSecretField(name: string) {
  return NOT_INPUT.has(name) || SECRET_FIELD.test(name)
}

/** The submitted form without its secrets (nested objects and arrays are walked). */
function withoutSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutSecrets)
  if (value === null || typeof value !== 'object') return value
  const kept: Record<string, unknown> = {}
  for (const [key, item] of Object.entries(value)) {
    if (!isSecretField(key)) kept[key] = withoutSecrets(item)
  }
  return kept
}

/** Keeps what was typed for the next page (`old()`), secrets left out. */
export function flashInput(ctx: HttpContext) {
  const input = withoutSecrets(ctx.request.original()) as Record<string, unknown>
  ctx.session.flash('input', input)
}

export type FieldMessage = { field: string; message: string }

/**
 * The first message of a failed validation, for a form repeated on every row
 * of a page, whose error goes to the flash rather than under one field.
 */
export function firstValidationMessage(error: InstanceType<typeof vineErrors.E_VALIDATION_ERROR>) {
  const messages = error.messages as FieldMessage[]
  return messages[0]?.message ?? 'Check the form and try again.'
}

/**
 * Messages under form fields, exactly as a failed validation shows them,
 * with the other inputs kept. Every form error of the app goes through
 * here (the exception handler sends Vine's errors here too).
 */
export function flashFieldErrors(ctx: HttpContext, messages: FieldMessage[]) {
  const bag: Record<string, string[]> = {}
  for (const { field, message } of messages) (bag[field] ??= []).push(message)
  flashInput(ctx)
  ctx.session.flash('inputErrorsBag', bag)
  ctx.session.flash('errors', bag)
}

/** One message under one field: an action's refusal shown like a validation error. */
export function flashFieldError(ctx: HttpContext, field: string, message: string) {
  flashFieldErrors(ctx, [{ field, message }])
}

/**
 * A notice at the top of the next page, then where to go:
 * `redirectWith(ctx, 'error', '…').toRoute('orgs.roles.index')`.
 */
export function redirectWith(ctx: HttpContext, level: 'success' | 'error', message: string) {
  ctx.session.flash(level, message)
  return ctx.response.redirect()
}

/** A page's message for an outcome, as a presenter words it. */
export type Notice = { level: 'success' | 'error'; message: string }

/** `redirectWith` for a notice a presenter built: `redirectWithNotice(ctx, notice).toRoute(…)`. */
export function redirectWithNotice(ctx: HttpContext, notice: Notice) {
  return redirectWith(ctx, notice.level, notice.message)
}

/** Only same-site paths, so a stored "intended URL" can never send the user elsewhere. */
export function safeLocalPath(value: unknown): string | null {
  if (
    typeof value !== 'string' ||
    !value.startsWith('/') ||
    value.startsWith('//') ||
    value.startsWith('/\\')
  ) {
    return null
  }
  return value
}

/**
 * `request.validateUsing` for a form that must go back to a given page
 * rather than to the referrer: on a validation failure the messages are
 * flashed as above and null is returned (the caller redirects). `fieldOf`
 * maps a validator's field path to the form's field, when they differ (a
 * validator shared with the API speaks `settings.host`, the form `host`).
 */
export async function validateOrFlash<T>(
  ctx: HttpContext,
  validate: () => Promise<T>,
  options: { fieldOf?: (path: string) => string } = {}
): Promise<T | null> {
  try {
    return await validate()
  } catch (error) {
    if (error instanceof vineErrors.E_VALIDATION_ERROR) {
      const fieldOf = options.fieldOf ?? ((path: string) => path)
      const messages = (error.messages as FieldMessage[]).map(({ field, message }) => ({
        field: fieldOf(field),
        message,
      }))
      flashFieldErrors(ctx, messages)
      return null
    }
    throw error
  }
}
