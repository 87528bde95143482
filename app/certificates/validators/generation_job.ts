import vine, { SimpleMessagesProvider } from '@vinejs/vine'
import generation from '#config/generation'

const isoDate = () =>
  vine
    .string()
    .trim()
    .regex(/^\d{4}-\d{2}-\d{2}$/)

/** `POST /api/v1/generation-jobs` (shared/API.md). Dates are YYYY-MM-DD; a full timestamp is cut to its date. */
export const apiGenerationJobValidator = vine.compile(
  vine.object({
    template_ids: vine.array(vine.string().trim()).minLength(1).maxLength(4),
    import_id: vine.string().trim().optional(),
    recipients: vine.array(vine.record(vine.any())).optional(),
    issued_at: vine
      .string()
      .trim()
      .transform((value) => value.slice(0, 10))
      .optional(),
    expires_at: vine
      .string()
      .trim()
      .transform((value) => value.slice(0, 10))
      .optional(),
    expires_in_months: vine.number().withoutDecimals().min(1).max(600).optional(),
    start: vine.boolean().optional(),
    name: vine.string().trim().maxLength(160).optional(),
    // What it would issue and cost, without creating anything.
    dry_run: vine.boolean().optional(),
  })
)

/** The web form: templates, a recipient list, dates and whether to start now. */
export const generationJobFormValidator = vine.compile(
  vine.object({
    template_ids: vine.array(vine.string().trim()).minLength(1).maxLength(4),
    import_id: vine.string().trim(),
    issue_date: isoDate().optional(),
    expiry_mode: vine.enum(['none', 'date', 'months'] as const).optional(),
    expiry_date: isoDate().optional(),
    expiry_months: vine.number().withoutDecimals().min(1).max(600).optional(),
    start: vine.enum(['now', 'later'] as const).optional(),
    name: vine.string().trim().maxLength(160).optional(),
  })
)

/**
 * What the generation form says when a choice is missing or malformed (the validator's own
 * messages name raw fields).
 */
export const generationFormMessages = new SimpleMessagesProvider({
  'template_ids.required': 'Choose at least one template.',
  'template_ids.array': 'Choose at least one template.',
  'template_ids.array.minLength': 'Choose at least one template.',
  'template_ids.array.maxLength': `Choose at most ${generation.maxTemplates} templates: each recipient gets one certificate per template.`,
  'import_id.required': 'Choose the recipient list to issue certificates to.',
  'issue_date.regex': 'Give the issue date as a date (YYYY-MM-DD).',
  'expiry_mode.enum': 'Choose whether and when the certificates expire.',
  'expiry_date.regex': 'Give the expiry date as a date (YYYY-MM-DD).',
  'expiry_months.number': 'Expiry in months must be a whole number from 1 to 600.',
  'expiry_months.withoutDecimals': 'Expiry in months must be a whole number from 1 to 600.',
  'expiry_months.min': 'Expiry in months must be a whole number from 1 to 600.',
  'expiry_months.max': 'Expiry in months must be a whole number from 1 to 600.',
  'start.enum': 'Choose whether to start now or later.',
  'name.maxLength': 'The name can be at most 160 characters.',
})
