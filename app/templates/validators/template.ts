import vine, { SimpleMessagesProvider } from '@vinejs/vine'

const messages = new SimpleMessagesProvider({
  'name.required': 'Give the template a name, like “Course completion 2026”.',
  'name.minLength': 'Give the template a name, like “Course completion 2026”.',
  'name.maxLength': 'The name can be at most 120 characters.',
  'page.number': 'The page must be a whole number, 1 or more.',
  'page.min': 'The page must be a whole number, 1 or more.',
  'page.max': 'No PDF accepted here has that many pages.',
  'page.withoutDecimals': 'The page must be a whole number, 1 or more.',
  'category_id.uuid': 'Choose a category from the list.',
  'subcategory_id.uuid': 'Choose a subcategory from the list.',
  'category_key.maxLength': 'There is no category with a key that long.',
  'subcategory_key.maxLength': 'There is no subcategory with a key that long.',
})

const name = () => vine.string().trim().minLength(1).maxLength(120)
const page = () => vine.number().withoutDecimals().min(1).max(10_000).optional()

/** The web form: name, the page of a PDF, category and subcategory by id (the file is read separately). */
export const templateCreateValidator = vine.compile(
  vine.object({
    name: name(),
    page: page(),
    category_id: vine.string().trim().uuid().optional(),
    subcategory_id: vine.string().trim().uuid().optional(),
  })
)
templateCreateValidator.messagesProvider = messages

/** `POST /api/v1/templates`: the API names taxonomy by key. */
export const apiTemplateCreateValidator = vine.compile(
  vine.object({
    name: name(),
    page: page(),
    category_key: vine.string().trim().maxLength(80).optional(),
    subcategory_key: vine.string().trim().maxLength(80).optional(),
  })
)
apiTemplateCreateValidator.messagesProvider = messages

export const templateDetailsValidator = vine.compile(
  vine.object({
    name: name(),
    category_id: vine.string().trim().uuid().optional(),
    subcategory_id: vine.string().trim().uuid().optional(),
  })
)
templateDetailsValidator.messagesProvider = messages

/** Another page of the uploaded PDF, or a new file (read separately). */
export const templateSourceValidator = vine.compile(vine.object({ page: page() }))
templateSourceValidator.messagesProvider = messages

export const templateListValidator = vine.compile(
  vine.object({
    status: vine.enum(['current', 'all', 'draft', 'active', 'archived'] as const).optional(),
    category_id: vine.string().trim().uuid().optional(),
    q: vine.string().trim().maxLength(120).optional(),
  })
)

/** The designer's live preview: its unsaved fields, the values typed for them, PNG or PDF. */
export const templatePreviewValidator = vine.compile(
  vine.object({
    format: vine.enum(['png', 'pdf'] as const).optional(),
    row: vine.record(vine.string().trim().maxLength(500).optional()).optional(),
  })
)
