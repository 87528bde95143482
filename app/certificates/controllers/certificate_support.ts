import type { HttpContext } from '@adonisjs/core/http'
import app from '@adonisjs/core/services/app'
import vine, { SimpleMessagesProvider } from '@vinejs/vine'
import type { DateTime } from 'luxon'
import AuditLog from '#core/models/audit_log'
import { WorkerPool } from '#core/services/worker_pool'
import type Organization from '#orgs/models/organization'
import OrganizationMember from '#orgs/models/organization_member'
import { ISSUANCE_KEYS } from '#templates/services/field_spec'
import type { RasterImage } from '#templates/services/rasterize'
import { keyLabel } from '#imports/services/column_mapping'
import type Certificate from '#certificates/models/certificate'
import { MAX_REASON } from '#certificates/actions/change_certificate'
import OrgCertificates from '#certificates/queries/org_certificates'
import { notFound } from '#core/http/not_found'

/** The reissue form: corrected values by key (which keys may change is the action's rule). */
/**
 * The certificate a revocation or reissue form is about, once the actor may
 * change certificates: looked up first, so another org's id is a 404
 * whatever the form holds; `back` returns to its page.
 */
export async function certificateToChange(ctx: HttpContext) {
  await ctx.bouncer.authorize('allows', 'certificates.revoke')
  const certificate = await OrgCertificates.find(ctx.org, ctx.params.id)
  if (!certificate) throw notFound()
  const back = () =>
    ctx.response.redirect().toRoute('certificates.certificates.show', { id: certificate.id })
  return { certificate, back }
}

export const reissueFormValidator = vine.compile(
  vine.object({
    changes: vine.record(vine.string().maxLength(2000).nullable().optional()).optional(),
  })
)

export const revocationMessages = new SimpleMessagesProvider({
  'reason.maxLength': `The reason can be at most ${MAX_REASON} characters.`,
})

/** Keys never offered for correction: the issuance fills them. */
const NOT_CORRECTABLE = new Set<string>(ISSUANCE_KEYS)
const CONTACT_KEYS = ['recipient_name', 'recipient_email', 'recipient_phone'] as const

/**
 * The reissue form's fields: the recipient's name, email and phone, then every other data key of
 * the certificate, with their current values.
 */
export function correctableFields(certificate: Certificate) {
  const current: Record<string, string> = {
    ...certificate.recipientData,
    recipient_name: certificate.recipientName,
    recipient_email: certificate.recipientEmail ?? '',
    recipient_phone: certificate.recipientPhone ?? '',
  }
  const others = Object.keys(certificate.recipientData ?? {})
    .filter(
      (key) => !NOT_CORRECTABLE.has(key) && !(CONTACT_KEYS as readonly string[]).includes(key)
    )
    .sort()
  return [...CONTACT_KEYS, ...others].map((key) => ({
    key,
    label: keyLabel(key),
    value: current[key] ?? '',
  }))
}

/** Only what the form changed goes to the action: an unchanged field is not a correction. */
export function changedValues(
  certificate: Certificate,
  submitted: Record<string, string | null | undefined>
) {
  const current = new Map(correctableFields(certificate).map((field) => [field.key, field.value]))
  const changes: Record<string, string> = {}
  for (const [key, value] of Object.entries(submitted)) {
    if (value === undefined) continue
    const text = (value ?? '').trim()
    if (current.has(key) ? current.get(key)!.trim() !== text : text !== '') changes[key] = text
  }
  return changes
}

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

/**
 * Pictures of issued PDFs, drawn with the templates' rasterizer in a worker
 * thread of its own (pdf.js on a canvas is far too slow for the event loop).
 * The PDFs are ours, so a thread rather than an isolated process.
 */
const TEMPLATE_TASKS = new URL(
  `../../templates/services/template_tasks${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`,
  import.meta.url
)
const PREVIEW_WIDTH = 1400
let pool: WorkerPool | null = null

export async function previewImage(pdf: Uint8Array) {
  if (!pool) {
    pool = new WorkerPool(TEMPLATE_TASKS, { size: 1, maxHeapMb: 384, idleMs: 60_000 })
    app.terminating(async () => {
      await pool?.close()
      pool = null
    })
  }
  return pool.run<RasterImage>(
    'rasterize',
    { pdf, width: PREVIEW_WIDTH, format: 'png' },
    { timeoutMs: 30_000 }
  )
}
