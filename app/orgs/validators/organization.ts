import vine, { SimpleMessagesProvider } from '@vinejs/vine'

export const createOrganizationValidator = vine.compile(
  vine.object({
    name: vine.string().trim().minLength(2).maxLength(120),
  })
)

createOrganizationValidator.messagesProvider = new SimpleMessagesProvider({
  'name.required': 'Enter the organization name.',
  'name.minLength': 'The name needs at least 2 characters.',
  'name.maxLength': 'Keep the name under 120 characters.',
})

export const switchOrganizationValidator = vine.compile(
  vine.object({
    organization_id: vine.string().trim().maxLength(64),
  })
)
