import vine, { SimpleMessagesProvider } from '@vinejs/vine'

/** Login form. No password rules here: the stored hash decides. */
export const loginValidator = vine.compile(
  vine.object({
    email: vine.string().trim().toLowerCase().maxLength(254),
    password: vine.string().maxLength(1024),
    remember_me: vine.boolean().optional(),
  })
)

loginValidator.messagesProvider = new SimpleMessagesProvider({
  'email.required': 'Enter your email address.',
  'password.required': 'Enter your password.',
})
