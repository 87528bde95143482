import vine, { SimpleMessagesProvider } from '@vinejs/vine'
import { newPassword, PASSWORD_MESSAGES } from '#identity/validators/password'

export const profileValidator = vine.compile(
  vine.object({
    full_name: vine.string().trim().minLength(1).maxLength(200),
  })
)

profileValidator.messagesProvider = new SimpleMessagesProvider({
  'full_name.required': 'Enter your name.',
  'full_name.minLength': 'Enter your name.',
  'full_name.maxLength': 'Use at most 200 characters.',
})

/** Change password; pass `meta: { email }` of the signed-in user. */
export const changePasswordValidator = vine.withMetaData<{ email: string }>().compile(
  vine.object({
    current_password: vine.string().maxLength(1024),
    password: newPassword().confirmed(),
  })
)

changePasswordValidator.messagesProvider = new SimpleMessagesProvider({
  ...PASSWORD_MESSAGES,
  'current_password.required': 'Enter your current password.',
})

export const changeEmailValidator = vine.compile(
  vine.object({
    email: vine.string().trim().toLowerCase().email().maxLength(254),
    email_password: vine.string().maxLength(1024),
  })
)

changeEmailValidator.messagesProvider = new SimpleMessagesProvider({
  'email.required': 'Enter the new email address.',
  'email.email': 'Enter a valid email address.',
  'email_password.required': 'Enter your password to confirm the change.',
})
