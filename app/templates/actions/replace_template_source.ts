import db from '@adonisjs/lucid/services/db'
import type { AuditInput } from '#core/actions/record_audit'
import { readFileOfOrg } from '#core/queries/org_files'
import type Organization from '#orgs/models/organization'
import type CertificateTemplate from '#templates/models/certificate_template'
import type CertificateTemplateVersion from '#templates/models/certificate_template_version'
import OrgTemplates from '#templates/queries/org_templates'
import VersionSnapshot from '#templates/queries/version_snapshot'
import { createVersion, renderSamplePreview } from '#templates/actions/save_template_fields'
import type { FieldSpec } from '#templates/services/field_spec'
import {
  type SourceProblem,
  type TemplateUpload,
  prepareSource,
  removeObjects,
  storeSourceFiles,
  versionMeta,
} from '#templates/services/source_upload'
import { auditInOrg } from '#orgs/actions/org_audit'

export interface ReplaceTemplateSourceInput {
  org: Organization
  templateId: string
  /** A new file; without one, another page of the file already uploaded. */
  upload: TemplateUpload | null
  page: number
  actorUserId: string | null
  origin?: AuditInput['origin']
  via?: 'web' | 'api'
}

export type ReplaceTemplateSourceResult =
  | {
      kind: 'replaced'
      template: CertificateTemplate
      version: CertificateTemplateVersion
      movedFields: string[]
    }
  | { kind: 'not_found' }
  | { kind: 'archived' }
  | { kind: 'no_original' }
  | SourceProblem

/**
 * A new source page (another upload, or another page of the PDF already
 * uploaded) makes a new version that keeps the current fields. Fields that
 * would fall off a smaller page are moved (and if need be shrunk) onto it,
 * and reported, so nothing silently disappears.
 */
export default class ReplaceTemplateSource {
  static async handle(input: ReplaceTemplateSourceInput): Promise<ReplaceTemplateSourceResult> {
    const loaded = await OrgTemplates.findWithCurrent(input.org, input.templateId)
    if (!loaded) return { kind: 'not_found' }
    if (loaded.status === 'archived') return { kind: 'archived' }
    const current = loaded.currentVersion

    let upload = input.upload
    if (!upload) {
      if (!current.originalFileId) return { kind: 'no_original' }
      const original = await readFileOfOrg(input.org.id, current.originalFileId)
      upload = { bytes: original.bytes, originalName: original.file.originalName }
    }
    const source = await prepareSource(upload, input.page)
    if (source.kind !== 'ok') return source
    const { prepared } = source

    const { fields, moved } = fitFields(
      current.fields.map((field) => field.toSpec()),
      prepared.source.pageWidth,
      prepared.source.pageHeight
    )
    const preview = await renderSamplePreview(
      input.org,
      await VersionSnapshot.load(current, fields, {
        pdf: prepared.source.pdf,
        pageWidth: prepared.source.pageWidth,
        pageHeight: prepared.source.pageHeight,
      })
    )

    const written: string[] = []
    try {
      return await db.transaction(async (trx) => {
        const template = (await OrgTemplates.find(input.org, input.templateId, trx))!
        if (template.status === 'archived') return { kind: 'archived' as const }
        const number = template.currentVersionNumber + 1
        const files = await storeSourceFiles(
          {
            orgId: input.org.id,
            templateId: template.id,
            versionNumber: number,
            createdBy: input.actorUserId,
            prepared,
            written,
          },
          trx
        )
        const version = await createVersion(
          {
            template,
            from: current,
            fields,
            preview,
            changeNote: input.upload
              ? 'New file uploaded'
              : `Page ${prepared.source.page} of the uploaded file`,
            actorUserId: input.actorUserId,
            written,
            source: {
              sourceFileId: files.source.id,
              originalFileId: files.original.id,
              backgroundFileId: files.background.id,
              pageWidth: prepared.source.pageWidth,
              pageHeight: prepared.source.pageHeight,
              meta: versionMeta(prepared),
            },
          },
          trx
        )
        await auditInOrg(
          trx,
          input,
          'template.version_created',
          { type: 'template', id: template.id },
          {
            version: version.versionNumber,
            change: 'source',
            page: prepared.source.page,
            via: input.via ?? 'web',
          }
        )
        return { kind: 'replaced' as const, template, version, movedFields: moved }
      })
    } catch (error) {
      await removeObjects(written)
      throw error
    }
  }
}

/** Keeps every field on a page of the given size: moved in from the edges, shrunk only when larger than the page. */
export function fitFields(fields: FieldSpec[], pageWidth: number, pageHeight: number) {
  const moved: string[] = []
  const fitted = fields.map((field) => {
    const width = Math.min(field.width, pageWidth)
    const height = Math.min(field.height, pageHeight)
    const x = Math.min(field.x, pageWidth - width)
    const y = Math.min(field.y, pageHeight - height)
    if (x !== field.x || y !== field.y || width !== field.width || height !== field.height)
      moved.push(field.key)
    return { ...field, x, y, width, height }
  })
  return { fields: fitted, moved }
}
