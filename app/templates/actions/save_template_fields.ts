import db from '@adonisjs/lucid/services/db'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import { appUrl } from '#config/app'
import RecordAudit, { type AuditInput } from '#core/actions/record_audit'
import StoreFile from '#core/actions/store_file'
import { MIME } from '#core/services/file_type'
import { storageKey, versionSegment } from '#core/services/storage_keys'
import type Organization from '#orgs/models/organization'
import type CertificateTemplate from '#templates/models/certificate_template'
import CertificateTemplateField, { configOf } from '#templates/models/certificate_template_field'
import CertificateTemplateVersion from '#templates/models/certificate_template_version'
import BrandingAsset from '#templates/models/branding_asset'
import OrgTemplates from '#templates/queries/org_templates'
import VersionSnapshot from '#templates/queries/version_snapshot'
import { type FieldProblem, normaliseFields } from '#templates/services/field_rules'
import type { FieldSpec } from '#templates/services/field_spec'
import type { TemplateSnapshot } from '#templates/services/prepared_template'
import { sampleRow } from '#templates/services/sample_data'
import { removeObjects } from '#templates/services/source_upload'
import { renderPreview } from '#templates/services/template_processing'
import type { FieldInput } from '#templates/validators/template_fields'

export interface SaveTemplateFieldsInput {
  org: Organization
  templateId: string
  fields: FieldInput[]
  /** The version the editor started from, when it says. */
  baseVersion?: number
  /**
   * Said explicitly by the editor when the new version is meant to have no fields although the
   * current one has some; without it such a save is refused (a designer that failed to load its
   * fields must not wipe them).
   */
  removeAllFields?: boolean
  actorUserId: string | null
  origin?: AuditInput['origin']
  via?: 'web' | 'api'
}

export type SaveTemplateFieldsResult =
  | { kind: 'saved'; template: CertificateTemplate; version: CertificateTemplateVersion }
  | { kind: 'not_found' }
  | { kind: 'archived' }
  | { kind: 'stale'; currentVersion: number }
  | { kind: 'removes_all_fields'; currentVersion: number; currentFields: number }
  | { kind: 'invalid'; problems: FieldProblem[] }

/** Pixel width of the stored sample preview of each version. */
const PREVIEW_WIDTH = 1200

/**
 * New fields make a new version: the next number, the current version's
 * source, these fields, and a preview drawn with sample data by the
 * generation renderer. The previous version stays untouched for the
 * certificates already drawn from it.
 */
export default class SaveTemplateFields {
  static async handle(input: SaveTemplateFieldsInput): Promise<SaveTemplateFieldsResult> {
    const loaded = await OrgTemplates.findWithCurrent(input.org, input.templateId)
    if (!loaded) return { kind: 'not_found' }
    if (loaded.status === 'archived') return { kind: 'archived' }
    const current = loaded.currentVersion
    if (input.baseVersion !== undefined && input.baseVersion !== current.versionNumber) {
      return { kind: 'stale', currentVersion: current.versionNumber }
    }
    if (input.fields.length === 0 && current.fields.length > 0 && input.removeAllFields !== true) {
      return {
        kind: 'removes_all_fields',
        currentVersion: current.versionNumber,
        currentFields: current.fields.length,
      }
    }

    const usable = await BrandingAsset.query()
      .where('organization_id', input.org.id)
      .whereNull('deleted_at')
      .select('id')
    // An image a current field still draws stays usable even after it was removed from settings.
    const kept = current.fields
      .map((field) => field.config.asset_id)
      .filter((id): id is string => !!id)
    const rules = normaliseFields(input.fields, {
      pageWidth: current.pageWidth,
      pageHeight: current.pageHeight,
      assetIds: new Set([...usable.map((asset) => asset.id), ...kept]),
    })
    if (!rules.ok) return { kind: 'invalid', problems: rules.problems }

    const preview = await renderSamplePreview(
      input.org,
      await VersionSnapshot.load(current, rules.fields)
    )

    const written: string[] = []
    try {
      return await db.transaction(async (trx) => {
        const template = (await OrgTemplates.find(input.org, input.templateId, trx))!
        if (template.status === 'archived') return { kind: 'archived' as const }
        if (template.currentVersionNumber !== current.versionNumber) {
          return { kind: 'stale' as const, currentVersion: template.currentVersionNumber }
        }
        const version = await createVersion(
          {
            template,
            from: current,
            fields: rules.fields,
            preview,
            changeNote: `${rules.fields.length} field${rules.fields.length === 1 ? '' : 's'} saved`,
            actorUserId: input.actorUserId,
            written,
          },
          trx
        )
        await RecordAudit.handle(
          {
            action: 'template.version_created',
            organizationId: input.org.id,
            actorUserId: input.actorUserId,
            entityType: 'template',
            entityId: template.id,
            origin: input.origin,
            metadata: {
              version: version.versionNumber,
              fields: rules.fields.length,
              change: 'fields',
              via: input.via ?? 'web',
            },
          },
          trx
        )
        return { kind: 'saved' as const, template, version }
      })
    } catch (error) {
      await removeObjects(written)
      throw error
    }
  }
}

/**
 * The stored WebP preview of a version: its page drawn with sample data. Null when rendering
 * failed (the version is still valid).
 */
export async function renderSamplePreview(org: Organization, snapshot: TemplateSnapshot) {
  if (snapshot.fields.length === 0) return null
  const row = sampleRow(snapshot.fields, {
    numberFormat: org.certificateNumberFormat,
    prefix: org.certificateNumberPrefix,
    appUrl,
  })
  const outcome = await renderPreview(snapshot, row, { width: PREVIEW_WIDTH, format: 'webp' })
  return outcome.kind === 'ok' ? outcome.value.image : null
}

export interface CreateVersionInput {
  template: CertificateTemplate
  /** The version whose source the new one keeps (unless `source` replaces it). */
  from: CertificateTemplateVersion
  fields: FieldSpec[]
  preview: { bytes: Uint8Array } | null
  changeNote: string
  actorUserId: string | null
  written: string[]
  source?: Pick<
    CertificateTemplateVersion,
    'sourceFileId' | 'originalFileId' | 'backgroundFileId' | 'pageWidth' | 'pageHeight' | 'meta'
  >
}

/** Writes version N+1 of a locked template with its fields and preview, and makes it current. */
export async function createVersion(input: CreateVersionInput, trx: TransactionClientContract) {
  const { template } = input
  const number = template.currentVersionNumber + 1
  const source = input.source ?? input.from
  let previewFileId: string | null = null
  if (input.preview) {
    const file = await StoreFile.handle(
      {
        orgId: template.organizationId,
        kind: 'template_preview',
        key: storageKey({
          root: 'certificate_templates',
          orgId: template.organizationId,
          parts: [template.id, versionSegment(number), 'previews', 'preview.webp'],
        }),
        bytes: input.preview.bytes,
        mime: MIME.webp,
        createdBy: input.actorUserId,
      },
      trx
    )
    input.written.push(file.path)
    previewFileId = file.id
  }
  const version = await CertificateTemplateVersion.create(
    {
      templateId: template.id,
      organizationId: template.organizationId,
      versionNumber: number,
      sourceFileId: source.sourceFileId,
      originalFileId: source.originalFileId,
      backgroundFileId: source.backgroundFileId,
      previewFileId,
      pageWidth: source.pageWidth,
      pageHeight: source.pageHeight,
      meta: source.meta,
      changeNote: input.changeNote,
      createdBy: input.actorUserId,
    },
    { client: trx }
  )
  if (input.fields.length) {
    await CertificateTemplateField.createMany(
      input.fields.map((field, index) => ({
        templateVersionId: version.id,
        fieldKey: field.key,
        fieldType: field.type,
        label: field.label,
        config: configOf(field),
        isRequired: field.required,
        sortOrder: index,
      })),
      { client: trx }
    )
  }
  template.currentVersionId = version.id
  template.currentVersionNumber = number
  await template.useTransaction(trx).save()
  await version.load('fields', (fields) => fields.orderBy('sort_order', 'asc'))
  return version
}
