import type { HttpContext } from '@adonisjs/core/http'
import { errors as vineErrors } from '@vinejs/vine'
import { flashFieldErrors, type FieldMessage } from '#core/http/forms'
import { formFieldOf } from '#deliveries/presenters/integration_form'

/**
 * `validateOrFlash` for the integration form, whose validators speak the
 * API's paths (`settings.host`): messages go under the form's flat field
 * (`host`). Null after a failure (the caller redirects back).
 */
export async function validateIntegrationForm<T>(
  ctx: HttpContext,
  validate: () => Promise<T>
): Promise<T | null> {
  try {
    return await validate()
  } catch (error) {
    if (!(error instanceof vineErrors.E_VALIDATION_ERROR)) throw error
    const messages = (error.messages as FieldMessage[]).map(({ field, message }) => ({
      field: formFieldOf(field),
      message,
    }))
    flashFieldErrors(ctx, messages)
    return null
  }
}
