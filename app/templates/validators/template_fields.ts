import vine from '@vinejs/vine'
import { ALIGNMENTS, FIELD_TYPES, LIMITS } from '#templates/services/field_spec'

/**
 * Shape of `PUT /api/v1/templates/:id/fields` and of the designer's save:
 * `{ fields: [ { key, type, x, y, width, height, ...style } ] }`. Which
 * values make sense together (keys, fonts, the page's size, the org's
 * images) is decided by `SaveTemplateFields`.
 */
const field = vine.object({
  key: vine.string().trim().maxLength(63).optional(),
  type: vine.enum(FIELD_TYPES),
  label: vine.string().trim().maxLength(LIMITS.labelLength).optional(),
  x: vine.number().min(0).max(14_400),
  y: vine.number().min(0).max(14_400),
  width: vine.number().min(LIMITS.minBoxSide).max(14_400),
  height: vine.number().min(LIMITS.minBoxSide).max(14_400),
  font_family: vine.string().trim().maxLength(60).optional(),
  font_size: vine.number().min(LIMITS.minFontSize).max(LIMITS.maxFontSize).optional(),
  min_font_size: vine.number().min(LIMITS.minFontSize).max(LIMITS.maxFontSize).optional(),
  color: vine
    .string()
    .trim()
    .regex(/^#[0-9a-fA-F]{6}$/)
    .optional(),
  qr_color: vine
    .string()
    .trim()
    .regex(/^#[0-9a-fA-F]{6}$/)
    .optional(),
  align: vine.enum(ALIGNMENTS).optional(),
  bold: vine.boolean().optional(),
  auto_fit: vine.boolean().optional(),
  date_format: vine.string().trim().maxLength(40).optional(),
  required: vine.boolean().optional(),
  asset_id: vine.string().trim().maxLength(64).optional().nullable(),
})

export const templateFieldsSchema = vine.object({
  fields: vine.array(field).maxLength(LIMITS.maxFields),
  /**
   * The version the editor started from; a save on top of a newer one is refused (409) instead of
   * silently undoing it.
   */
  base_version: vine.number().withoutDecimals().min(1).optional(),
  /**
   * Explicit consent to a version without fields when the current one has some; without it
   * `fields: []` on such a template is refused.
   */
  remove_all_fields: vine.boolean().optional(),
})

export const templateFieldsValidator = vine.compile(templateFieldsSchema)

export type FieldInput = Awaited<
  ReturnType<typeof templateFieldsValidator.validate>
>['fields'][number]
