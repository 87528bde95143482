import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import AuditLog, { type AuditSeverity } from '#core/models/audit_log'

export interface AuditInput {
  action: string
  organizationId?: string | null
  actorUserId?: string | null
  entityType?: string | null
  entityId?: string | null
  severity?: AuditSeverity
  /** Where the request came from; callers pass it, actions never see HttpContext. */
  origin?: { ip?: string | null; userAgent?: string | null }
  metadata?: Record<string, unknown>
}

const SECRET_KEY = /pass(word)?|secret|token|api_?key|authorization|cookie/i

/** Strips anything that looks like a secret before it can be written. */
function scrub(metadata: Record<string, unknown> | undefined) {
  if (!metadata) return null
  const clean: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(metadata)) {
    if (!SECRET_KEY.test(key)) clean[key] = value
  }
  return clean
}

export default class RecordAudit {
  static async handle(input: AuditInput, trx?: TransactionClientContract) {
    return AuditLog.create(
      {
        action: input.action,
        organizationId: input.organizationId ?? null,
        actorUserId: input.actorUserId ?? null,
        entityType: input.entityType ?? null,
        entityId: input.entityId ?? null,
        severity: input.severity ?? 'info',
        ipAddress: input.origin?.ip ?? null,
        userAgent: input.origin?.userAgent?.slice(0, 512) ?? null,
        metadata: scrub(input.metadata),
      },
      { client: trx }
    )
  }
}
