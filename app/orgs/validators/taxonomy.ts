import vine, { SimpleMessagesProvider } from '@vinejs/vine'

const messages = new SimpleMessagesProvider({
  'name.required': 'Enter a name.',
  'name.minLength': 'The name must be at least 2 characters.',
  'name.maxLength': 'The name can be at most 120 characters.',
  'hidden.boolean': 'Choose whether the entry is hidden.',
})

const name = () => vine.string().trim().minLength(2).maxLength(120)

/** Adding an own category or subcategory. */
export const taxonomyEntryValidator = vine.compile(vine.object({ name: name() }))
taxonomyEntryValidator.messagesProvider = messages

/** Renaming, hiding or showing an entry; either field may come alone. */
export const taxonomyEntryUpdateValidator = vine.compile(
  vine.object({
    name: name().optional(),
    hidden: vine.boolean().optional(),
  })
)
taxonomyEntryUpdateValidator.messagesProvider = messages
