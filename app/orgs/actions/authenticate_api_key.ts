import { DateTime } from 'luxon'
import { hashToken } from '#core/services/tokens'
import Organization from '#orgs/models/organization'
import OrganizationApiKey from '#orgs/models/organization_api_key'

export const API_KEY_PREFIX = 'atx_'

/** `atx_` + base64url; anything else is rejected before hashing or querying. */
const API_KEY_SHAPE = /^atx_[A-Za-z0-9_-]{32,100}$/

/** How stale last_used_at may get before a request writes it again. */
const LAST_USED_RESOLUTION = { minutes: 1 }

/**
 * Resolves a presented key to its live org. Unknown, revoked and malformed keys,
 * and keys of deleted orgs, all come back as null so callers answer one 401.
 */
export default class AuthenticateApiKey {
  static async handle(
    presented: string
  ): Promise<{ key: OrganizationApiKey; org: Organization } | null> {
    if (!API_KEY_SHAPE.test(presented)) return null
    const key = await OrganizationApiKey.query()
      .where('key_hash', hashToken(presented))
      .whereNull('revoked_at')
      .first()
    if (!key) return null
    const org = await Organization.query()
      .where('id', key.organizationId)
      .whereNull('deleted_at')
      .first()
    if (!org) return null

    const now = DateTime.now()
    if (!key.lastUsedAt || key.lastUsedAt < now.minus(LAST_USED_RESOLUTION)) {
      // save() writes only the dirty columns, so a concurrent revocation is kept.
      key.lastUsedAt = now
      await key.save()
    }
    return { key, org }
  }
}
