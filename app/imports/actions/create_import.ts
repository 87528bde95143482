import { randomUUID } from 'node:crypto'
import drive from '@adonisjs/drive/services/main'
import db from '@adonisjs/lucid/services/db'
import imports from '#config/imports'
import type { AuditInput } from '#core/actions/record_audit'
import StoreFile from '#core/actions/store_file'
import { MIME, assertAllowed } from '#core/services/file_type'
import { storageKey } from '#core/services/storage_keys'
import type Organization from '#orgs/models/organization'
import {
  type TaxonomyChoice,
  type TaxonomyProblem,
  resolveTaxonomy,
} from '#templates/queries/template_taxonomy'
import FileImportJob from '#imports/models/file_import_job'
import { importRulesFor, type TemplatesProblem } from '#imports/queries/import_rules'
import type { ColumnMapping } from '#imports/services/column_mapping'
import ProcessImport, { type ProcessImportResult } from '#imports/actions/process_import'
import { startImportRun } from '#imports/services/import_runner'
import { auditInOrg } from '#orgs/actions/org_audit'

export interface CreateImportInput {
  org: Organization
  file: { bytes: Uint8Array; originalName: string | null }
  templateIds?: string[]
  mapping?: ColumnMapping | null
  sheet?: string | null
  headerRow?: number | null
  taxonomy?: TaxonomyChoice
  actorUserId: string | null
  origin?: AuditInput['origin']
  via?: 'web' | 'api'
}

export type CreateImportResult =
  | { kind: 'created'; job: FileImportJob; run: Promise<ProcessImportResult> }
  | { kind: 'too_large'; maxBytes: number }
  | { kind: 'unsupported_type'; detected: string | null; allowed: string[] }
  | TemplatesProblem
  | TaxonomyProblem

export const IMPORT_UPLOAD_TYPES = [MIME.text, MIME.xlsx] as const

/**
 * A recipient list upload: size and type checked from the bytes (CSV, TSV
 * or text, and .xlsx), the original stored under
 * `file_imports/<org>/<import>/original.<ext>` and registered, the job
 * written in the same transaction, then the file read in the background.
 * The caller gets the job at once and the run to wait on if it likes.
 */
export default class CreateImport {
  static async handle(input: CreateImportInput): Promise<CreateImportResult> {
    const allowed = assertAllowed(input.file.bytes, IMPORT_UPLOAD_TYPES, {
      maxBytes: imports.maxBytes,
    })
    if (allowed.kind !== 'ok') return allowed
    const rules = await importRulesFor(input.org, input.templateIds ?? [])
    if (rules.kind !== 'ok') return rules
    const taxonomy = await resolveTaxonomy(input.org, input.taxonomy ?? {})
    if (taxonomy.kind !== 'ok') return taxonomy

    const id = randomUUID()
    const format = allowed.mime === MIME.xlsx ? 'xlsx' : 'csv'
    const extension =
      format === 'xlsx'
        ? 'xlsx'
        : (input.file.originalName?.match(/\.(csv|tsv|txt)$/i)?.[1]?.toLowerCase() ?? 'csv')
    let written: string | null = null
    try {
      const job = await db.transaction(async (trx) => {
        const file = await StoreFile.handle(
          {
            orgId: input.org.id,
            kind: 'import_original',
            key: storageKey({
              root: 'file_imports',
              orgId: input.org.id,
              parts: [id, `original.${extension}`],
            }),
            bytes: input.file.bytes,
            mime: allowed.mime,
            originalName: input.file.originalName,
            createdBy: input.actorUserId,
          },
          trx
        )
        written = file.path
        const created = await FileImportJob.create(
          {
            id,
            organizationId: input.org.id,
            categoryId: taxonomy.categoryId,
            subcategoryId: taxonomy.subcategoryId,
            status: 'processing',
            source: 'file',
            originalFileId: file.id,
            fileName: input.file.originalName,
            format,
            sheet: input.sheet ?? null,
            headerRow: input.headerRow ?? null,
            columns: [],
            mapping: input.mapping ?? {},
            templateIds: rules.templateIds,
            summary: {},
            createdBy: input.actorUserId,
          },
          { client: trx }
        )
        await auditInOrg(
          trx,
          input,
          'import.created',
          { type: 'import', id: id },
          {
            file_name: input.file.originalName,
            bytes: input.file.bytes.byteLength,
            format,
            via: input.via ?? 'web',
          }
        )
        return created
      })
      const run = startImportRun(job.id, () =>
        ProcessImport.handle({ jobId: job.id, mapping: input.mapping ?? null })
      )
      return { kind: 'created', job, run }
    } catch (error) {
      if (written)
        await drive
          .use()
          .delete(written)
          .catch(() => {})
      throw error
    }
  }
}
