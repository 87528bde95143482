import vine, { SimpleMessagesProvider } from '@vinejs/vine'
import { newPassword, PASSWORD_MESSAGES } from '#identity/validators/password'

/** Sign-up: the person, their login and their organization in one form. */
export const signUpValidator = vine.compile(
  vine.object({
    full_name: vine.string().trim().minLength(2).maxLength(120),
    email: vine.string().trim().toLowerCase().email().maxLength(254),
    // The policy compares it with the sibling `email`.
    password: newPassword(),
    organization_name: vine.string().trim().minLength(2).maxLength(120),
  })
)

signUpValidator.messagesProvider = new SimpleMessagesProvider({
  ...PASSWORD_MESSAGES,
  'full_name.required': 'Enter your full name.',
  'full_name.minLength': 'Enter your full name.',
  'full_name.maxLength': 'Keep your name under 120 characters.',
  'email.required': 'Enter your work email address.',
  'email.email': 'Enter a valid email address, like name@example.com.',
  'email.maxLength': 'This email address is too long.',
  'organization_name.required': 'Enter the name of your organization.',
  'organization_name.minLength': 'The name needs at least 2 characters.',
  'organization_name.maxLength': 'Keep the name under 120 characters.',
})
