import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import type FileImportJob from '#imports/models/file_import_job'
import FileImportRow from '#imports/models/file_import_row'
import {
  type ImportRules,
  type ProcessedRow,
  RowProcessor,
} from '#imports/services/import_processing'
import { duplicateWarning } from '#imports/services/row_validation'

/**
 * Changing one row (an edit, a row added by hand) without re-checking the
 * whole import: the row is checked as at upload, and the duplicate warnings
 * of the rows sharing its old and new fingerprint are set again, so "same
 * as row N" always names the first such row still there.
 */

/** One row checked alone (duplicates are settled by refreshDuplicates afterwards). */
export function checkRow(
  job: FileImportJob,
  rules: ImportRules,
  rowIndex: number,
  cells: string[]
): ProcessedRow {
  return new RowProcessor(job.columns, job.mapping, rules).process({ index: rowIndex, cells })
}

export function applyChecked(row: FileImportRow, checked: ProcessedRow) {
  row.merge({
    raw: checked.raw,
    data: checked.data,
    errors: checked.errors,
    warnings: checked.warnings.filter((warning) => warning.code !== 'W_DUPLICATE'),
    errorCount: checked.errors.length,
    warningCount: checked.warnings.filter((warning) => warning.code !== 'W_DUPLICATE').length,
    duplicateKey: checked.duplicateKey,
    skippedReason: checked.skippedReason,
  })
}

/** Re-marks every row with this fingerprint: the first in file order is the original, the others duplicates of it. */
export async function refreshDuplicates(
  trx: TransactionClientContract,
  job: FileImportJob,
  key: string | null
) {
  if (!key) return
  const group = await FileImportRow.query({ client: trx })
    .where('import_job_id', job.id)
    .where('duplicate_key', key)
    .orderBy('row_index', 'asc')
  const first = group[0]
  for (const row of group) {
    const others = row.warnings.filter((warning) => warning.code !== 'W_DUPLICATE')
    const warnings = row === first ? others : [...others, duplicateWarning(first.rowIndex)]
    if (JSON.stringify(warnings) === JSON.stringify(row.warnings)) continue
    row.merge({ warnings, warningCount: warnings.length })
    await row.useTransaction(trx).save()
  }
}

/** Cells of a row with some columns changed; columns past the row's end are filled in between. */
export function withValues(
  cells: string[],
  columns: string[],
  values: Record<string, string | null | undefined>
) {
  const out = [...cells]
  for (const [column, value] of Object.entries(values)) {
    const index = columns.indexOf(column)
    if (index === -1 || value === undefined) continue
    while (out.length < index) out.push('')
    out[index] = value ?? ''
  }
  let end = out.length
  while (end > 0 && out[end - 1].trim() === '') end--
  return out.slice(0, end)
}
