import db from '@adonisjs/lucid/services/db'
import type { AuditInput } from '#core/actions/record_audit'
import type Organization from '#orgs/models/organization'
import { recordId } from '#orgs/queries/record_id'
import type FileImportJob from '#imports/models/file_import_job'
import FileImportRow from '#imports/models/file_import_row'
import OrgImports from '#imports/queries/org_imports'
import { whereWarned } from '#imports/services/import_rows_store'
import { recordRowChange, refreshDuplicatesOf } from '#imports/actions/import_row_changes'

export interface DeleteImportRowsInput {
  org: Organization
  importId: string
  /** These rows, or every row of a kind: duplicates (rows repeating an earlier one) or rows with errors. */
  rowIds?: string[]
  which?: 'duplicates' | 'errors'
  actorUserId: string | null
  origin?: AuditInput['origin']
}

export type DeleteImportRowsResult =
  { kind: 'deleted'; job: FileImportJob; count: number } | { kind: 'not_found' } | { kind: 'busy' }

/** Dropping rows from an import (a duplicate, a row that is not a recipient): they are gone; counts follow. */
export default class DeleteImportRows {
  static async handle(input: DeleteImportRowsInput): Promise<DeleteImportRowsResult> {
    return db.transaction(async (trx) => {
      const job = await OrgImports.find(input.org, input.importId, trx)
      if (!job) return { kind: 'not_found' as const }
      if (job.status === 'processing') return { kind: 'busy' as const }
      const query = FileImportRow.query({ client: trx }).where('import_job_id', job.id)
      if (input.which === 'errors') query.where('error_count', '>', 0).whereNull('skipped_reason')
      else if (input.which === 'duplicates') whereWarned(query, 'W_DUPLICATE')
      else query.whereIn('id', (input.rowIds ?? []).map(recordId))
      const rows = await query.select('id', 'duplicate_key', 'row_index')
      if (rows.length === 0) return { kind: 'deleted' as const, job, count: 0 }
      if (!input.which && rows.length !== (input.rowIds ?? []).length)
        return { kind: 'not_found' as const }
      const ids = rows.map((row) => row.id)
      for (let at = 0; at < ids.length; at += 500)
        await trx
          .from('file_import_rows')
          .whereIn('id', ids.slice(at, at + 500))
          .delete()
      await refreshDuplicatesOf(trx, job, rows)
      await recordRowChange(trx, job, {
        ...input,
        action: 'import.rows_deleted',
        metadata: {
          count: rows.length,
          which: input.which ?? 'selected',
          row_indexes: rows.slice(0, 50).map((row) => row.rowIndex),
        },
      })
      return { kind: 'deleted' as const, job, count: rows.length }
    })
  }
}
