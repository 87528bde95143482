import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import RecordAudit, { type AuditInput } from '#core/actions/record_audit'
import type Organization from '#orgs/models/organization'

/** Who changed a template, as every templates action takes it. */
export interface TemplateActor {
  org: Organization
  actorUserId: string | null
  origin?: AuditInput['origin']
}

/** One entry of the audit log about a template, in the caller's transaction. */
export function auditTemplate(
  trx: TransactionClientContract,
  by: TemplateActor,
  action: string,
  templateId: string,
  metadata: Record<string, unknown>
) {
  return RecordAudit.handle(
    {
      action,
      organizationId: by.org.id,
      actorUserId: by.actorUserId,
      entityType: 'template',
      entityId: templateId,
      origin: by.origin,
      metadata,
    },
    trx
  )
}
