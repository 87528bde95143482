import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import type { AuditInput } from '#core/actions/record_audit'
import type Organization from '#orgs/models/organization'
import type FileImportJob from '#imports/models/file_import_job'
import FileImportRow from '#imports/models/file_import_row'
import imports from '#config/imports'
import { applyChecked, checkRow, withValues } from '#imports/services/row_editing'
import {
  recordRowChange,
  refreshDuplicatesOf,
  withEditableImport,
} from '#imports/actions/import_row_changes'

export interface AddImportRowsInput {
  org: Organization
  importId: string
  /** Each new row as cell values by source column name. */
  rows: Array<Record<string, string | null | undefined>>
  actorUserId: string | null
  origin?: AuditInput['origin']
  via?: 'web' | 'api'
}

export type AddImportRowsResult =
  | { kind: 'added'; job: FileImportJob; rows: FileImportRow[] }
  | { kind: 'not_found' }
  | { kind: 'busy' }
  | { kind: 'templates_gone' }
  | { kind: 'too_many_rows'; limit: number }

/**
 * Recipients typed in or pasted: appended after the import's last row,
 * checked as if they had been in the file, duplicates marked against the
 * rows already there. Inside a caller's transaction when given one (a
 * generation job created with its recipients), else in its own.
 */
export default class AddImportRows {
  static async handle(
    input: AddImportRowsInput,
    outer?: TransactionClientContract
  ): Promise<AddImportRowsResult> {
    return withEditableImport(
      input.org,
      input.importId,
      async (job, rules, trx) => {
        if (job.totalRows + input.rows.length > imports.maxRows)
          return { kind: 'too_many_rows' as const, limit: imports.maxRows }
        const last = await trx
          .from('file_import_rows')
          .where('import_job_id', job.id)
          .max('row_index as last')
          .first()
        let index = Math.max(job.headerRow ?? 0, Number(last?.last ?? 0))
        const added: FileImportRow[] = []
        for (const values of input.rows) {
          const row = new FileImportRow()
          row.merge({ importJobId: job.id, rowIndex: ++index })
          applyChecked(row, checkRow(job, rules, row.rowIndex, withValues([], job.columns, values)))
          await row.useTransaction(trx).save()
          added.push(row)
        }
        await refreshDuplicatesOf(trx, job, added)
        if (job.status !== 'failed') job.status = 'ready'
        await recordRowChange(trx, job, {
          ...input,
          action: 'import.rows_added',
          metadata: { count: added.length, via: input.via ?? 'web' },
        })
        for (const row of added) await row.refresh()
        return { kind: 'added' as const, job, rows: added }
      },
      outer
    )
  }
}
