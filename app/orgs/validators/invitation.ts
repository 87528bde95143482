import vine, { SimpleMessagesProvider } from '@vinejs/vine'

export const createInvitationValidator = vine.compile(
  vine.object({
    email: vine.string().trim().toLowerCase().maxLength(254).email(),
    role_id: vine.string().uuid(),
  })
)

createInvitationValidator.messagesProvider = new SimpleMessagesProvider({
  'email.required': 'Enter the email address to invite.',
  'email.email': 'Enter a valid email address, like name@example.com.',
  'email.maxLength': 'That email address is too long.',
  'role_id.required': 'Choose a role.',
  'role_id.uuid': 'Choose one of the roles in the list.',
})
