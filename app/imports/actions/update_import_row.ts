import db from '@adonisjs/lucid/services/db'
import RecordAudit, { type AuditInput } from '#core/actions/record_audit'
import type Organization from '#orgs/models/organization'
import type FileImportJob from '#imports/models/file_import_job'
import type FileImportRow from '#imports/models/file_import_row'
import OrgImports from '#imports/queries/org_imports'
import { editableImport } from '#imports/queries/import_rules'
import { recount } from '#imports/services/import_rows_store'
import {
  applyChecked,
  checkRow,
  refreshDuplicates,
  withValues,
} from '#imports/services/row_editing'

export interface UpdateImportRowInput {
  org: Organization
  importId: string
  rowId: string
  /** New cell values by source column name; columns not named keep theirs. */
  values: Record<string, string | null | undefined>
  actorUserId: string | null
  origin?: AuditInput['origin']
}

export type UpdateImportRowResult =
  | { kind: 'updated'; job: FileImportJob; row: FileImportRow }
  | { kind: 'not_found' }
  | { kind: 'busy' }
  | { kind: 'templates_gone' }

/** Fixing a row in place: its cells changed, the row checked again as at upload, the import's counts updated. */
export default class UpdateImportRow {
  static async handle(input: UpdateImportRowInput): Promise<UpdateImportRowResult> {
    const editable = await editableImport(input.org, input.importId)
    if (editable.kind !== 'ok') return editable
    const { rules } = editable
    return db.transaction(async (trx) => {
      const job = (await OrgImports.find(input.org, editable.job.id, trx))!
      // A re-read may have started since: its rows would replace these.
      if (job.status === 'processing') return { kind: 'busy' as const }
      const row = await OrgImports.row(job, input.rowId, trx)
      if (!row) return { kind: 'not_found' as const }
      const oldKey = row.duplicateKey
      const before = row.errors.length
      applyChecked(
        row,
        checkRow(job, rules, row.rowIndex, withValues(row.raw, job.columns, input.values))
      )
      await row.useTransaction(trx).save()
      await refreshDuplicates(trx, job, oldKey)
      if (row.duplicateKey !== oldKey) await refreshDuplicates(trx, job, row.duplicateKey)
      await recount(trx, job)
      await job.save()
      await RecordAudit.handle(
        {
          action: 'import.row_updated',
          organizationId: input.org.id,
          actorUserId: input.actorUserId,
          entityType: 'import',
          entityId: job.id,
          origin: input.origin,
          metadata: {
            row_index: row.rowIndex,
            columns: Object.keys(input.values),
            errors_before: before,
            errors_after: row.errors.length,
          },
        },
        trx
      )
      await row.refresh()
      return { kind: 'updated' as const, job, row }
    })
  }
}
