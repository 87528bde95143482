import vine, { SimpleMessagesProvider } from '@vinejs/vine'

export const USERNAME_PATTERN = /^[a-z0-9][a-z0-9._-]*$/

export const updateMemberValidator = vine.compile(
  vine.object({
    role_id: vine.string().uuid(),
    status: vine.enum(['active', 'suspended'] as const),
    username: vine.string().trim().toLowerCase().minLength(2).maxLength(40).regex(USERNAME_PATTERN),
  })
)

updateMemberValidator.messagesProvider = new SimpleMessagesProvider(
  {
    'role_id.required': 'Choose a role.',
    'role_id.uuid': 'Choose one of the roles in the list.',
    'status.enum': 'Choose active or suspended.',
    'username.required': 'Enter a username.',
    'username.minLength': 'Usernames have at least 2 characters.',
    'username.maxLength': 'Usernames have at most 40 characters.',
    'username.regex':
      'Use lowercase letters, digits, dots, hyphens and underscores, starting with a letter or digit.',
  },
  { role_id: 'role' }
)
