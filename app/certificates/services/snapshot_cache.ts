import CertificateTemplateVersion from '#templates/models/certificate_template_version'
import type { TemplateSnapshot } from '#templates/services/prepared_template'
import VersionSnapshot from '#templates/queries/version_snapshot'

/**
 * Versions are immutable, so a worker loads each one's snapshot (source PDF,
 * fields, images) once and keeps the last few.
 */
const cache = new Map<string, Promise<TemplateSnapshot>>()
const MAX = 8

export function cachedSnapshot(orgId: string, versionId: string): Promise<TemplateSnapshot> {
  let snapshot = cache.get(versionId)
  if (!snapshot) {
    snapshot = CertificateTemplateVersion.query()
      .where('organization_id', orgId)
      .where('id', versionId)
      .firstOrFail()
      .then((version) => VersionSnapshot.load(version))
    snapshot.catch(() => cache.delete(versionId))
    cache.set(versionId, snapshot)
    if (cache.size > MAX) cache.delete(cache.keys().next().value!)
  }
  return snapshot
}
