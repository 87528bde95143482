import { randomUUID } from 'node:crypto'
import db from '@adonisjs/lucid/services/db'
import type { AuditInput } from '#core/actions/record_audit'
import type Organization from '#orgs/models/organization'
import CertificateTemplate from '#templates/models/certificate_template'
import CertificateTemplateVersion from '#templates/models/certificate_template_version'
import {
  type SourceProblem,
  type TemplateUpload,
  prepareSource,
  removeObjects,
  storeSourceFiles,
  versionMeta,
} from '#templates/services/source_upload'
import {
  type TaxonomyChoice,
  type TaxonomyProblem,
  resolveTaxonomy,
} from '#templates/queries/template_taxonomy'
import { auditInOrg } from '#orgs/actions/org_audit'

export interface CreateTemplateInput {
  org: Organization
  name: string
  upload: TemplateUpload
  /** 1-based page of a multi-page PDF. */
  page: number
  taxonomy: TaxonomyChoice
  actorUserId: string | null
  origin?: AuditInput['origin']
  via?: 'web' | 'api'
}

export type CreateTemplateResult =
  | { kind: 'created'; template: CertificateTemplate; version: CertificateTemplateVersion }
  | SourceProblem
  | TaxonomyProblem

/**
 * A new template in `draft` from an uploaded PDF page or image: the upload
 * is normalised off the web thread, then its files are stored and the
 * template with version 1 (no fields yet) written in one transaction. If
 * anything fails after the files were written, they are removed again.
 */
export default class CreateTemplate {
  static async handle(input: CreateTemplateInput): Promise<CreateTemplateResult> {
    const taxonomy = await resolveTaxonomy(input.org, input.taxonomy)
    if (taxonomy.kind !== 'ok') return taxonomy

    const source = await prepareSource(input.upload, input.page)
    if (source.kind !== 'ok') return source
    const { prepared } = source

    const templateId = randomUUID()
    const written: string[] = []
    try {
      return await db.transaction(async (trx) => {
        const files = await storeSourceFiles(
          {
            orgId: input.org.id,
            templateId,
            versionNumber: 1,
            createdBy: input.actorUserId,
            prepared,
            written,
          },
          trx
        )
        const template = await CertificateTemplate.create(
          {
            id: templateId,
            organizationId: input.org.id,
            name: input.name.trim(),
            status: 'draft',
            categoryId: taxonomy.categoryId,
            subcategoryId: taxonomy.subcategoryId,
            currentVersionNumber: 0,
            createdBy: input.actorUserId,
          },
          { client: trx }
        )
        const version = await CertificateTemplateVersion.create(
          {
            templateId,
            organizationId: input.org.id,
            versionNumber: 1,
            sourceFileId: files.source.id,
            originalFileId: files.original.id,
            backgroundFileId: files.background.id,
            previewFileId: null,
            pageWidth: prepared.source.pageWidth,
            pageHeight: prepared.source.pageHeight,
            meta: versionMeta(prepared),
            changeNote: 'Uploaded',
            createdBy: input.actorUserId,
          },
          { client: trx }
        )
        template.currentVersionId = version.id
        template.currentVersionNumber = 1
        await template.useTransaction(trx).save()
        await auditInOrg(
          trx,
          input,
          'template.created',
          { type: 'template', id: template.id },
          {
            name: template.name,
            page: prepared.source.page,
            page_count: prepared.source.pageCount,
            via: input.via ?? 'web',
          }
        )
        return { kind: 'created' as const, template, version }
      })
    } catch (error) {
      await removeObjects(written)
      throw error
    }
  }
}
