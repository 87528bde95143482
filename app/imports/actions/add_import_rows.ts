import db from '@adonisjs/lucid/services/db'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import RecordAudit, { type AuditInput } from '#core/actions/record_audit'
import type Organization from '#orgs/models/organization'
import type FileImportJob from '#imports/models/file_import_job'
import FileImportRow from '#imports/models/file_import_row'
import OrgImports from '#imports/queries/org_imports'
import { editableImport } from '#imports/queries/import_rules'
import imports from '#config/imports'
import { recount } from '#imports/services/import_rows_store'
import {
  applyChecked,
  checkRow,
  refreshDuplicates,
  withValues,
} from '#imports/services/row_editing'

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
 * rows already there. Inside a caller's transaction when given one, else in
 * its own.
 */
export default class AddImportRows {
  static async handle(
    input: AddImportRowsInput,
    outer?: TransactionClientContract
  ): Promise<AddImportRowsResult> {
    const editable = await editableImport(input.org, input.importId, outer)
    if (editable.kind !== 'ok') return editable
    const { rules } = editable
    const write = async (trx: TransactionClientContract) => {
      const job = (await OrgImports.find(input.org, editable.job.id, trx))!
      // A re-read may have started since: its rows would replace these.
      if (job.status === 'processing') return { kind: 'busy' as const }
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
      for (const key of new Set(
        added.map((row) => row.duplicateKey).filter((value): value is string => !!value)
      ))
        await refreshDuplicates(trx, job, key)
      if (job.status !== 'failed') job.status = 'ready'
      await recount(trx, job)
      await job.save()
      await RecordAudit.handle(
        {
          action: 'import.rows_added',
          organizationId: input.org.id,
          actorUserId: input.actorUserId,
          entityType: 'import',
          entityId: job.id,
          origin: input.origin,
          metadata: { count: added.length, via: input.via ?? 'web' },
        },
        trx
      )
      for (const row of added) await row.refresh()
      return { kind: 'added' as const, job, rows: added }
    }
    return outer ? write(outer) : db.transaction(write)
  }
}
