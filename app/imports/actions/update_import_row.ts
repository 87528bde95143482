import type { AuditInput } from '#core/actions/record_audit'
import type Organization from '#orgs/models/organization'
import type FileImportJob from '#imports/models/file_import_job'
import type FileImportRow from '#imports/models/file_import_row'
import OrgImports from '#imports/queries/org_imports'
import { applyChecked, checkRow, withValues } from '#imports/services/row_editing'
import {
  recordRowChange,
  refreshDuplicatesOf,
  withEditableImport,
} from '#imports/actions/import_row_changes'

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
    return withEditableImport(input.org, input.importId, async (job, rules, trx) => {
      const row = await OrgImports.row(job, input.rowId, trx)
      if (!row) return { kind: 'not_found' as const }
      const oldKey = row.duplicateKey
      const before = row.errors.length
      applyChecked(
        row,
        checkRow(job, rules, row.rowIndex, withValues(row.raw, job.columns, input.values))
      )
      await row.useTransaction(trx).save()
      await refreshDuplicatesOf(trx, job, [{ duplicateKey: oldKey }, row])
      await recordRowChange(trx, job, {
        ...input,
        action: 'import.row_updated',
        metadata: {
          row_index: row.rowIndex,
          columns: Object.keys(input.values),
          errors_before: before,
          errors_after: row.errors.length,
        },
      })
      await row.refresh()
      return { kind: 'updated' as const, job, row }
    })
  }
}
