import type { DateTime } from 'luxon'
import AuditLog from '#core/models/audit_log'
import type Organization from '#orgs/models/organization'
import OrganizationMember from '#orgs/models/organization_member'
import { keyLabel } from '#imports/services/column_mapping'
import type Certificate from '#certificates/models/certificate'

export interface HistoryEvent {
  at: DateTime
  kind: 'issued' | 'revoked' | 'reissued' | 'superseded' | 'other'
  title: string
  detail: string | null
  by: string | null
  link: { certificateId: string; text: string } | null
}

/**
 * A certificate's life, oldest first: issued (its own columns), then the
 * org's audit rows about it (revocation, the reissue that created it),
 * and the reissue that replaced it (an audit row of its replacement).
 * Where an older certificate has no audit row, its columns still say what
 * happened.
 */
export async function certificateHistory(
  org: Organization,
  certificate: Certificate,
  related: { original: Certificate | null; replacement: Certificate | null }
) {
  const ids = [
    certificate.id,
    ...(certificate.supersededByCertificateId ? [certificate.supersededByCertificateId] : []),
  ]
  const rows = await AuditLog.query()
    .where('organization_id', org.id)
    .where('entity_type', 'certificate')
    .whereIn('entity_id', ids)
    .orderBy('created_at', 'asc')
    .orderBy('id', 'asc')
  const own = rows.filter((row) => row.entityId === certificate.id)
  const replaced = rows.find(
    (row) => row.entityId !== certificate.id && row.action === 'certificate.reissued'
  )
  const emails = await memberEmails(
    org,
    rows.map((row) => row.actorUserId)
  )
  const by = (userId: string | null) => (userId ? (emails.get(userId) ?? 'a former member') : null)

  const events: HistoryEvent[] = []
  if (certificate.issuedAt) {
    events.push({
      at: certificate.issuedAt,
      kind: 'issued',
      title: `Issued as ${certificate.certificateNumber}`,
      detail: null,
      by: null,
      link: null,
    })
  }
  for (const row of own) {
    const meta = (row.metadata ?? {}) as Record<string, unknown>
    if (row.action === 'certificate.revoked') {
      events.push({
        at: row.createdAt,
        kind: 'revoked',
        title: 'Revoked',
        detail: typeof meta.reason === 'string' ? meta.reason : null,
        by: by(row.actorUserId),
        link: null,
      })
    } else if (row.action === 'certificate.reissued') {
      const fromId =
        typeof meta.reissued_from === 'string'
          ? meta.reissued_from
          : certificate.reissuedFromCertificateId
      const changed = Array.isArray(meta.changed)
        ? meta.changed.map((key) => keyLabel(String(key))).join(', ')
        : null
      events.push({
        at: row.createdAt,
        kind: 'reissued',
        title: 'Reissued with corrections',
        detail: changed ? `Corrected: ${changed}` : null,
        by: by(row.actorUserId),
        link: fromId
          ? {
              certificateId: fromId,
              text: `Replaces ${String(meta.previous_number ?? related.original?.certificateNumber ?? 'the earlier certificate')}`,
            }
          : null,
      })
    } else {
      events.push({
        at: row.createdAt,
        kind: 'other',
        title: row.action,
        detail: null,
        by: by(row.actorUserId),
        link: null,
      })
    }
  }
  if (certificate.revokedAt && !own.some((row) => row.action === 'certificate.revoked')) {
    events.push({
      at: certificate.revokedAt,
      kind: 'revoked',
      title: 'Revoked',
      detail: certificate.revocationReason,
      by: null,
      link: null,
    })
  }
  if (certificate.supersededAt || replaced) {
    const replacementId = certificate.supersededByCertificateId
    events.push({
      at: replaced?.createdAt ?? certificate.supersededAt!,
      kind: 'superseded',
      title: 'Superseded by a corrected certificate',
      detail: null,
      by: replaced ? by(replaced.actorUserId) : null,
      link: replacementId
        ? {
            certificateId: replacementId,
            text: related.replacement?.certificateNumber ?? 'The corrected certificate',
          }
        : null,
    })
  }
  return events.sort((a, b) => a.at.toMillis() - b.at.toMillis())
}

/** Emails of the org's members among these users (someone no longer a member is shown as such). */
async function memberEmails(org: Organization, userIds: Array<string | null>) {
  const ids = [...new Set(userIds.filter((id): id is string => Boolean(id)))]
  if (ids.length === 0) return new Map<string, string>()
  const members = await OrganizationMember.query()
    .where('organization_id', org.id)
    .whereIn('user_id', ids)
    .preload('user')
  return new Map(members.map((member) => [member.userId, member.user.email]))
}
