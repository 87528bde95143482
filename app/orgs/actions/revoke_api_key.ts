import db from '@adonisjs/lucid/services/db'
import { DateTime } from 'luxon'
import RecordAudit, { type AuditInput } from '#core/actions/record_audit'
import type Organization from '#orgs/models/organization'
import OrganizationApiKey from '#orgs/models/organization_api_key'
import { recordId } from '#orgs/queries/record_id'

export interface RevokeApiKeyInput {
  org: Organization
  keyId: string
  actorUserId: string
  origin?: AuditInput['origin']
}

export type RevokeApiKeyResult =
  | { kind: 'revoked'; key: OrganizationApiKey }
  | { kind: 'already_revoked'; key: OrganizationApiKey }
  | { kind: 'not_found' }

/** Revoking is immediate and final: the next request with the key gets 401. */
export default class RevokeApiKey {
  static async handle(input: RevokeApiKeyInput): Promise<RevokeApiKeyResult> {
    return db.transaction(async (trx) => {
      const key = await OrganizationApiKey.query({ client: trx })
        .where('organization_id', input.org.id)
        .where('id', recordId(input.keyId))
        .first()
      if (!key) return { kind: 'not_found' as const }
      if (key.revokedAt) return { kind: 'already_revoked' as const, key }

      key.revokedAt = DateTime.now()
      await key.save()
      await RecordAudit.handle(
        {
          action: 'api_key.revoked',
          organizationId: input.org.id,
          actorUserId: input.actorUserId,
          entityType: 'api_key',
          entityId: key.id,
          origin: input.origin,
          severity: 'warning',
          metadata: { name: key.name, prefix: key.prefix },
        },
        trx
      )
      return { kind: 'revoked' as const, key }
    })
  }
}
