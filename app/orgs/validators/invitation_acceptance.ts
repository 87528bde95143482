import vine, { SimpleMessagesProvider } from '@vinejs/vine'
import { newPassword, PASSWORD_MESSAGES } from '#identity/validators/password'

/**
 * Signing up from an invitation: the email comes from the invitation, never
 * from the form; pass it as `meta.email` so the password policy can refuse it.
 */
export const invitationSignUpValidator = vine.compile(
  vine.object({
    full_name: vine.string().trim().minLength(2).maxLength(120),
    password: newPassword(),
  })
)

invitationSignUpValidator.messagesProvider = new SimpleMessagesProvider({
  ...PASSWORD_MESSAGES,
  'full_name.required': 'Enter your full name.',
  'full_name.minLength': 'Enter your full name.',
  'full_name.maxLength': 'Keep your name under 120 characters.',
})
