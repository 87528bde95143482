import vine from '@vinejs/vine'

/** Our key → source column; a key left empty is not in the file. */
const mapping = () => vine.record(vine.string().trim().maxLength(255).nullable())

/** Upload form and API: which templates the list is for, an optional mapping, which sheet and header row. */
export const importCreateValidator = vine.compile(
  vine.object({
    template_ids: vine.array(vine.string().trim().uuid()).maxLength(4).optional(),
    mapping: mapping().optional(),
    sheet: vine.string().trim().maxLength(255).optional(),
    header_row: vine.number().withoutDecimals().min(1).max(1000).optional(),
    category_id: vine.string().trim().uuid().optional(),
    subcategory_id: vine.string().trim().uuid().optional(),
    name: vine.string().trim().maxLength(120).optional(),
  })
)

export const importMappingValidator = vine.compile(
  vine.object({
    mapping: mapping().optional(),
    sheet: vine.string().trim().maxLength(255).optional(),
    header_row: vine.number().withoutDecimals().min(1).max(1000).optional(),
  })
)

export const importRowsFilterValidator = vine.compile(
  vine.object({
    only: vine.enum(['all', 'errors', 'warnings', 'valid', 'skipped'] as const).optional(),
  })
)

/** A row's cells by column (edit), or new rows by column, or text pasted from a spreadsheet. */
export const importRowValuesValidator = vine.compile(
  vine.object({
    values: vine.record(vine.string().maxLength(2000).nullable().optional()).optional(),
    /** The web forms name cells by column position (column names may hold any character). */
    cells: vine.record(vine.string().maxLength(2000).nullable().optional()).optional(),
    rows: vine
      .array(vine.record(vine.string().maxLength(2000).nullable().optional()))
      .maxLength(1000)
      .optional(),
    pasted: vine.string().maxLength(2_000_000).optional(),
  })
)

export const importRowsDeleteValidator = vine.compile(
  vine.object({
    which: vine.enum(['duplicates', 'errors'] as const).optional(),
    row_ids: vine.array(vine.string().trim().uuid()).maxLength(1000).optional(),
  })
)

/** API upload fields, after `mapping` and `template_ids` sent as JSON text in the multipart body are parsed. */
export const apiImportCreateValidator = vine.compile(
  vine.object({
    template_ids: vine.array(vine.string().trim().uuid()).maxLength(4).optional(),
    mapping: vine.record(vine.string().trim().maxLength(255)).optional(),
    sheet: vine.string().trim().maxLength(255).optional(),
    header_row: vine.number().withoutDecimals().min(1).max(1000).optional(),
    category_key: vine.string().trim().maxLength(80).optional(),
    subcategory_key: vine.string().trim().maxLength(80).optional(),
  })
)

export const apiImportMappingValidator = vine.compile(
  vine.object({
    mapping: vine.record(vine.string().trim().maxLength(255)).optional(),
    sheet: vine.string().trim().maxLength(255).optional(),
    header_row: vine.number().withoutDecimals().min(1).max(1000).optional(),
  })
)

/** A submitted web mapping without its empty choices (keys not in this file). */
export function mappedColumns(choices: Record<string, string | null>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [key, column] of Object.entries(choices)) if (column) out[key] = column
  return out
}
