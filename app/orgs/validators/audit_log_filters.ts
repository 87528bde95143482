import vine from '@vinejs/vine'

/** Query-string filters of the audit log page; invalid values are ignored, not errors. */
export const auditLogFiltersValidator = vine.compile(
  vine.object({
    action: vine
      .string()
      .trim()
      .maxLength(80)
      .regex(/^[a-z0-9_.:-]+$/)
      .optional(),
    severity: vine.enum(['info', 'warning', 'critical'] as const).optional(),
  })
)
