import db from '@adonisjs/lucid/services/db'
import RecordAudit, { type AuditInput } from '#core/actions/record_audit'
import { generateToken, hashToken } from '#core/services/tokens'
import type Organization from '#orgs/models/organization'
import OrganizationApiKey from '#orgs/models/organization_api_key'
import { API_KEY_PREFIX } from '#orgs/actions/authenticate_api_key'

export interface CreateApiKeyInput {
  org: Organization
  name: string
  /** The user creating it; null from the command line. */
  createdBy: string | null
  origin?: AuditInput['origin']
  via?: 'web' | 'cli'
}

/** Characters of the key kept in clear so people can tell keys apart. */
export const API_KEY_VISIBLE_PREFIX_LENGTH = 12

/**
 * A new org API key: `atx_` + 256 random bits. Only its SHA-256 is stored;
 * the returned `secret` is shown once and cannot be recovered.
 */
export default class CreateApiKey {
  static async handle(
    input: CreateApiKeyInput
  ): Promise<{ key: OrganizationApiKey; secret: string }> {
    const secret = `${API_KEY_PREFIX}${generateToken(32)}`
    const prefix = secret.slice(0, API_KEY_VISIBLE_PREFIX_LENGTH)
    return db.transaction(async (trx) => {
      const key = await OrganizationApiKey.create(
        {
          organizationId: input.org.id,
          name: input.name.trim(),
          prefix,
          keyHash: hashToken(secret),
          createdBy: input.createdBy,
        },
        { client: trx }
      )
      await RecordAudit.handle(
        {
          action: 'api_key.created',
          organizationId: input.org.id,
          actorUserId: input.createdBy,
          entityType: 'api_key',
          entityId: key.id,
          origin: input.origin,
          metadata: { name: key.name, prefix, via: input.via ?? 'web' },
        },
        trx
      )
      return { key, secret }
    })
  }
}
