import vine from '@vinejs/vine'

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

export const revocationValidator = vine.compile(
  vine.object({ reason: vine.string().trim().maxLength(2000).optional() })
)

export const certificateFiltersValidator = vine.compile(
  vine.object({
    q: vine.string().trim().maxLength(200).optional(),
    status: vine.string().trim().maxLength(20).optional(),
    template_id: vine.string().trim().maxLength(64).optional(),
    category_id: vine.string().trim().maxLength(64).optional(),
    generation_job_id: vine.string().trim().maxLength(64).optional(),
    issued_from: vine.string().trim().maxLength(10).optional(),
    issued_to: vine.string().trim().maxLength(10).optional(),
  })
)
