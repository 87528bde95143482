import vine, { SimpleMessagesProvider } from '@vinejs/vine'
import { ALL_PERMISSIONS } from '#orgs/policies/permissions'

export const roleValidator = vine.compile(
  vine.object({
    name: vine.string().trim().minLength(2).maxLength(80),
    description: vine.string().trim().maxLength(240).optional(),
    // A form with one ticked box may send a single value instead of a list.
    permissions: vine
      .array(vine.enum(ALL_PERMISSIONS))
      .maxLength(ALL_PERMISSIONS.length * 2)
      .parse((value: unknown) => (typeof value === 'string' ? [value] : value))
      .optional(),
  })
)

roleValidator.messagesProvider = new SimpleMessagesProvider({
  'name.required': 'Give the role a name.',
  'name.minLength': 'Role names have at least 2 characters.',
  'name.maxLength': 'Role names have at most 80 characters.',
  'description.maxLength': 'Keep the description under 240 characters.',
  'permissions.*.enum': 'Choose permissions from the list.',
  'permissions.array': 'Choose permissions from the list.',
})
