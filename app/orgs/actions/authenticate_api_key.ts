import { DateTime } from 'luxon'
import { hashToken } from '#core/services/tokens'
import Organization from '#orgs/models/organization'
import OrganizationApiKey from '#orgs/models/organization_api_key'

export const API_KEY_PREFIX = 'atx_'

/** Resolves a presented key to its org, touching last_used_at at most once a minute. */
export default class AuthenticateApiKey {
  static async handle(presented: string): Promise<{ key: OrganizationApiKey; org: Organization } | null> {
    if (!presented.startsWith(API_KEY_PREFIX) || presented.length > 128) return null
    const key = await OrganizationApiKey.query()
      .where('key_hash', hashToken(presented))
      .whereNull('revoked_at')
      .first()
    if (!key) return null
    const org = await Organization.query().where('id', key.organizationId).whereNull('deleted_at').first()
    if (!org) return null
    if (!key.lastUsedAt || key.lastUsedAt < DateTime.now().minus({ minutes: 1 })) {
      key.lastUsedAt = DateTime.now()
      await key.save()
    }
    return { key, org }
  }
}
