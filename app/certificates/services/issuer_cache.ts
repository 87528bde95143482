import { ExpiringCache } from '#core/services/expiring_cache'
import { findFileOfOrg } from '#core/queries/org_files'
import { onOrgChanged } from '#core/services/org_changes'
import type StoredFile from '#core/models/stored_file'
import Organization from '#orgs/models/organization'
import BrandingAsset from '#templates/models/branding_asset'
import verification from '#config/verification'

/** Who issued a certificate, as its public verification shows it. */
export interface Issuer {
  id: string
  name: string
  /** The newest logo of Settings → Branding (its file row, read-only: shared by every request), or null. */
  logo: StoredFile | null
}

/**
 * Issuers by org id (null: no such org, or deleted), so a verification
 * costs one query (its certificate). This process forgets an org when its
 * name, logo or existence changes (`orgChanged`, called by the actions that
 * change them); another process's copy lives `VERIFICATION_ISSUER_TTL_MS`
 * at most. Certificates are never cached here: a revocation shows at once.
 */
if (!Number.isInteger(verification.issuers.ttlMs) || verification.issuers.ttlMs < 0) {
  throw new Error(
    `VERIFICATION_ISSUER_TTL_MS must be a whole number of milliseconds ≥ 0 (0: no cache), not ${verification.issuers.ttlMs}`
  )
}

const issuers = new ExpiringCache<Issuer | null>({
  ttlMs: verification.issuers.ttlMs,
  maxEntries: verification.issuers.maxOrgs,
})

onOrgChanged((orgId) => issuers.delete(orgId))

async function loadIssuer(orgId: string): Promise<Issuer | null> {
  const org = await Organization.query()
    .select('id', 'name')
    .where('id', orgId)
    .whereNull('deleted_at')
    .first()
  if (!org) return null
  const logo = await BrandingAsset.query()
    .select('file_id')
    .where('organization_id', orgId)
    .where('asset_type', 'logo')
    .whereNull('deleted_at')
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .first()
  return {
    id: org.id,
    name: org.name,
    logo: logo ? await findFileOfOrg(orgId, logo.fileId) : null,
  }
}

export function issuerOf(orgId: string): Promise<Issuer | null> {
  return issuers.get(orgId, () => loadIssuer(orgId))
}
