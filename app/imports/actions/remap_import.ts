import db from '@adonisjs/lucid/services/db'
import type { AuditInput } from '#core/actions/record_audit'
import type Organization from '#orgs/models/organization'
import type FileImportJob from '#imports/models/file_import_job'
import FileImportRow from '#imports/models/file_import_row'
import OrgImports from '#imports/queries/org_imports'
import { importRulesFor } from '#imports/queries/import_rules'
import type { ColumnMapping } from '#imports/services/column_mapping'
import { type MappingProblem, checkMapping } from '#imports/services/import_processing'
import { insertRows, recount } from '#imports/services/import_rows_store'
import { revalidateRows } from '#imports/services/import_workers'
import { startImportRun } from '#imports/services/import_runner'
import ProcessImport, {
  type ProcessImportResult,
  rememberMapping,
} from '#imports/actions/process_import'
import { auditInOrg } from '#orgs/actions/org_audit'

export interface RemapImportInput {
  org: Organization
  importId: string
  mapping?: ColumnMapping
  /** Another sheet of the workbook, or another header row: the file is read again. */
  sheet?: string | null
  headerRow?: number | null
  actorUserId: string | null
  origin?: AuditInput['origin']
  via?: 'web' | 'api'
}

export type RemapImportResult =
  | { kind: 'remapped'; job: FileImportJob }
  | { kind: 'rereading'; job: FileImportJob; run: Promise<ProcessImportResult> }
  | { kind: 'not_found' }
  | { kind: 'busy'; job: FileImportJob }
  | { kind: 'not_a_file'; job: FileImportJob }
  | { kind: 'revalidation_failed'; job: FileImportJob }
  | MappingProblem

/**
 * A new mapping for an import: every stored row (edits included) checked
 * again under it in a worker thread and written back in one transaction;
 * the mapping is remembered for the org's next file with these headers.
 * Another sheet or header row means reading the stored file again instead.
 */
export default class RemapImport {
  static async handle(input: RemapImportInput): Promise<RemapImportResult> {
    const job = await OrgImports.find(input.org, input.importId)
    if (!job) return { kind: 'not_found' }
    if (job.status === 'processing') return { kind: 'busy', job }

    const sheetChanged = input.sheet !== undefined && input.sheet !== job.sheet
    const headerChanged = input.headerRow !== undefined && input.headerRow !== job.headerRow
    // A file that failed to read is read again whatever was changed (a mapping is applied to what it yields).
    if (sheetChanged || headerChanged || job.status === 'failed') {
      if (job.source !== 'file') return { kind: 'not_a_file', job }
      job.merge({
        status: 'processing',
        sheet: sheetChanged ? (input.sheet ?? null) : job.sheet,
        headerRow: headerChanged ? (input.headerRow ?? null) : sheetChanged ? null : job.headerRow,
      })
      await job.save()
      const run = startImportRun(job.id, () =>
        ProcessImport.handle({ jobId: job.id, mapping: input.mapping ?? null })
      )
      return { kind: 'rereading', job, run }
    }

    const mapping = input.mapping ?? job.mapping
    const rules = await importRulesFor(input.org, job.templateIds)
    if (rules.kind !== 'ok')
      return {
        kind: 'bad_mapping',
        field: 'template_ids',
        message: 'A template this import was meant for no longer exists or is archived.',
      }
    const problem = checkMapping(mapping, job.columns, rules.rules)
    if (problem) return problem

    const stored = await FileImportRow.query()
      .where('import_job_id', job.id)
      .orderBy('row_index', 'asc')
      .select('id', 'row_index', 'raw')
    const ids = new Map(stored.map((row) => [row.rowIndex, row.id]))
    const outcome = await revalidateRows(
      stored.map((row) => ({ index: row.rowIndex, cells: row.raw })),
      job.columns,
      mapping,
      rules.rules
    )
    if (outcome.kind !== 'ok') return { kind: 'revalidation_failed', job }
    const processed = outcome.value

    await db.transaction(async (trx) => {
      const locked = (await OrgImports.find(input.org, job.id, trx))!
      await trx.from('file_import_rows').where('import_job_id', job.id).delete()
      await insertRows(trx, locked, processed.rows, ids)
      locked.merge({ mapping, summary: { ...locked.summary, skipped_rows: processed.skipped } })
      await recount(trx, locked)
      await locked.save()
      await rememberMapping(input.org, locked.columns, mapping, trx)
      await auditInOrg(
        trx,
        input,
        'import.remapped',
        { type: 'import', id: job.id },
        { mapping, via: input.via ?? 'web' }
      )
      job.merge(locked.$attributes)
    })
    return { kind: 'remapped', job }
  }
}
