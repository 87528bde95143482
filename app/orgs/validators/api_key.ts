import vine, { SimpleMessagesProvider } from '@vinejs/vine'

export const apiKeyValidator = vine.compile(
  vine.object({
    name: vine.string().trim().minLength(1).maxLength(80),
  })
)

apiKeyValidator.messagesProvider = new SimpleMessagesProvider({
  'name.required': 'Name the key after where it will be used, like “Moodle plugin”.',
  'name.minLength': 'Name the key after where it will be used, like “Moodle plugin”.',
  'name.maxLength': 'The name can be at most 80 characters.',
})
