import { randomUUID } from 'node:crypto'
import { DateTime } from 'luxon'
import db from '@adonisjs/lucid/services/db'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import imports from '#config/imports'
import type FileImportJob from '#imports/models/file_import_job'
import type { ProcessedRow } from '#imports/services/import_processing'

/**
 * Writing an import's rows: replaced as a whole, in batched multi-row
 * INSERTs inside the caller's transaction (100,000 rows are 200 statements,
 * not 100,000), and the job's counts derived from the rows written.
 */

const json = (value: unknown) => JSON.stringify(value)

export function rowRecord(jobId: string, row: ProcessedRow, now: string, id: string = randomUUID()) {
  return {
    id,
    import_job_id: jobId,
    row_index: row.rowIndex,
    raw: json(row.raw),
    data: json(row.data),
    errors: json(row.errors),
    warnings: json(row.warnings),
    error_count: row.errors.length,
    warning_count: row.warnings.length,
    duplicate_key: row.duplicateKey,
    created_at: now,
    updated_at: now,
  }
}

export function timestamp(trx: TransactionClientContract) {
  return DateTime.utc().toFormat(trx.dialect.dateTimeFormat)
}

/** Inserts rows in batches; `ids` keeps existing row ids (a re-check keeps rows the same rows). */
export async function insertRows(trx: TransactionClientContract, job: FileImportJob, rows: ProcessedRow[], ids?: Map<number, string>) {
  const now = timestamp(trx)
  for (let at = 0; at < rows.length; at += imports.insertBatch) {
    const batch = rows.slice(at, at + imports.insertBatch).map((row) => rowRecord(job.id, row, now, ids?.get(row.rowIndex)))
    await trx.table('file_import_rows').multiInsert(batch)
  }
}

/** The job's counts from its rows as stored: the one source of truth after any change. */
export async function recount(trx: TransactionClientContract, job: FileImportJob) {
  const [counts] = await trx
    .from('file_import_rows')
    .where('import_job_id', job.id)
    .select(
      db.raw('count(*) as total'),
      db.raw('sum(case when error_count > 0 then 1 else 0 end) as errors'),
      db.raw('sum(case when warning_count > 0 then 1 else 0 end) as warnings')
    )
  const total = Number(counts?.total ?? 0)
  const errors = Number(counts?.errors ?? 0)
  job.totalRows = total
  job.errorRows = errors
  job.validRows = total - errors
  job.warningRows = Number(counts?.warnings ?? 0)
}
