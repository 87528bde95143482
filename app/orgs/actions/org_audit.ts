import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import RecordAudit, { type AuditInput } from '#core/actions/record_audit'
import type Organization from '#orgs/models/organization'

/** Who acted in an org, as actions take it (`actingIn(ctx)` builds it from a request). */
export interface OrgActing {
  org: Organization
  actorUserId: string | null
  origin?: AuditInput['origin']
}

/** One entry of the org's audit log about one of its records, in the caller's transaction. */
export function auditInOrg(
  trx: TransactionClientContract,
  by: OrgActing,
  action: string,
  entity: { type: string; id: string },
  metadata: Record<string, unknown>
) {
  return RecordAudit.handle(
    {
      action,
      organizationId: by.org.id,
      actorUserId: by.actorUserId,
      entityType: entity.type,
      entityId: entity.id,
      origin: by.origin,
      metadata,
    },
    trx
  )
}
