import vine, { SimpleMessagesProvider } from '@vinejs/vine'
import { newPassword, PASSWORD_MESSAGES } from '#identity/validators/password'

/** "Forgot password" form. */
export const passwordResetRequestValidator = vine.compile(
  vine.object({
    email: vine.string().trim().toLowerCase().email().maxLength(254),
  })
)

passwordResetRequestValidator.messagesProvider = new SimpleMessagesProvider({
  'email.required': 'Enter the email address of your account.',
  'email.email': 'Enter a valid email address.',
})

/** New password from a reset link; pass `meta: { email }` of the token's user. */
export const passwordResetValidator = vine.withMetaData<{ email: string }>().compile(
  vine.object({
    password: newPassword().confirmed(),
  })
)

passwordResetValidator.messagesProvider = new SimpleMessagesProvider(PASSWORD_MESSAGES)
