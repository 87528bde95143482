import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import { randomUUID } from 'node:crypto'
import AuditLog, { type AuditSeverity } from '#core/models/audit_log'
import { bulkInsert } from '#core/services/bulk_insert'
import { dbTimestamp } from '#core/services/database_time'

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

  /** Many entries in a few multi-row inserts (a billing run's thousands of invoices). */
  static async handleMany(inputs: AuditInput[], trx: TransactionClientContract) {
    const now = dbTimestamp(trx)
    await bulkInsert(
      trx,
      'app_audit_logs',
      [
        { name: 'id', pg: 'uuid' },
        { name: 'organization_id', pg: 'uuid' },
        { name: 'actor_user_id', pg: 'uuid' },
        { name: 'action', pg: 'text' },
        { name: 'entity_type', pg: 'text' },
        { name: 'entity_id', pg: 'text' },
        { name: 'severity', pg: 'text' },
        { name: 'ip_address', pg: 'text' },
        { name: 'user_agent', pg: 'text' },
        { name: 'metadata', pg: 'json' },
        { name: 'created_at', pg: 'timestamptz' },
      ],
      inputs.map((input) => ({
        id: randomUUID(),
        organization_id: input.organizationId ?? null,
        actor_user_id: input.actorUserId ?? null,
        action: input.action,
        entity_type: input.entityType ?? null,
        entity_id: input.entityId ?? null,
        severity: input.severity ?? 'info',
        ip_address: input.origin?.ip ?? null,
        user_agent: input.origin?.userAgent?.slice(0, 512) ?? null,
        metadata: scrub(input.metadata),
        created_at: now,
      }))
    )
  }
}
