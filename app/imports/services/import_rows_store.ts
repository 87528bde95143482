import { v7 as uuidv7 } from 'uuid'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import type { ModelQueryBuilderContract } from '@adonisjs/lucid/types/model'
import type FileImportJob from '#imports/models/file_import_job'
import type FileImportRow from '#imports/models/file_import_row'
import {
  type ProcessedRow,
  type RowBatch,
  rowRecordObject,
} from '#imports/services/import_processing'
import { dbTimestamp } from '#core/services/database_time'
import { rowsOf } from '#core/services/bulk_insert'

/**
 * Writing an import's rows: replaced as a whole, in batched multi-row
 * INSERTs inside the caller's transaction (100,000 rows are 200 statements,
 * not 100,000), and the job's counts derived from the rows written.
 *
 * This file is the imports module's one place for raw SQL: each statement
 * below needs an engine feature the query builder does not express (JSON
 * table functions, a column-to-column update, a JSON column read as text).
 * Everything else about rows goes through Lucid.
 */

/**
 * A batch of rows (one JSON array) in one INSERT … SELECT over the array,
 * on both engines: one parameter instead of twelve per row, no limit on
 * rows per statement (SQLite's multi-row insert is a compound SELECT of at
 * most 500 terms), and the JSON values go in as JSON. `sign` -1 stages the
 * rows under negative row numbers.
 */
export async function insertRowBatch(
  trx: TransactionClientContract,
  jobId: string,
  batch: RowBatch,
  sign: 1 | -1 = 1
) {
  const now = dbTimestamp(trx)
  const columns =
    'id, import_job_id, row_index, raw, data, errors, warnings, error_count, warning_count, duplicate_key, skipped_reason, created_at, updated_at'
  // Raw: a multi-row insert from one JSON parameter (json_to_recordset / json_each).
  if (trx.dialect.name === 'postgres') {
    await trx.rawQuery(
      `INSERT INTO file_import_rows (${columns})
       SELECT x.id, ?::uuid, x.row_index * ?, x.raw, x.data, x.errors, x.warnings, x.error_count, x.warning_count, x.duplicate_key, x.skipped_reason, ?::timestamptz, ?::timestamptz
       FROM json_to_recordset(?::json) AS x(id uuid, row_index int, raw json, data json, errors json, warnings json, error_count int, warning_count int, duplicate_key text, skipped_reason text)`,
      [jobId, sign, now, now, batch.json]
    )
  } else {
    await trx.rawQuery(
      `INSERT INTO file_import_rows (${columns})
       SELECT json_extract(value, '$.id'), ?, json_extract(value, '$.row_index') * ?, json_extract(value, '$.raw'), json_extract(value, '$.data'),
              json_extract(value, '$.errors'), json_extract(value, '$.warnings'), json_extract(value, '$.error_count'), json_extract(value, '$.warning_count'),
              json_extract(value, '$.duplicate_key'), json_extract(value, '$.skipped_reason'), ?, ?
       FROM json_each(?)`,
      [jobId, sign, now, now, batch.json]
    )
  }
}

/** Rows checked in this process (a re-check), written the same way in batches of 5,000. */
export async function insertRows(
  trx: TransactionClientContract,
  job: FileImportJob,
  rows: ProcessedRow[],
  ids?: Map<number, string>
) {
  for (let at = 0; at < rows.length; at += 5000) {
    const records = rows
      .slice(at, at + 5000)
      .map((row) => rowRecordObject(row, ids?.get(row.rowIndex) ?? uuidv7()))
    await insertRowBatch(trx, job.id, {
      json: JSON.stringify(records),
      count: records.length,
      progress: 1,
    })
  }
}

/** Errors and warnings by code across the job's rows, counted by the database from the JSON it holds. */
async function codeCounts(trx: TransactionClientContract, jobId: string) {
  const codes: Record<string, number> = {}
  for (const column of ['errors', 'warnings'] as const) {
    const countColumn = column === 'errors' ? 'error_count' : 'warning_count'
    const issues =
      trx.dialect.name === 'postgres'
        ? `SELECT issue->>'code' AS code, count(*) AS total FROM file_import_rows r, json_array_elements(r.${column}) issue`
        : `SELECT json_extract(issue.value, '$.code') AS code, count(*) AS total FROM file_import_rows r, json_each(r.${column}) issue`
    // Raw: counting inside the JSON arrays needs the engine's JSON table function.
    const rows = rowsOf<{ code: string; total: number | string }>(
      await trx.rawQuery(
        `${issues} WHERE r.import_job_id = ? AND r.skipped_reason IS NULL AND r.${countColumn} > 0 GROUP BY 1`,
        [jobId]
      )
    )
    for (const row of rows) codes[row.code] = (codes[row.code] ?? 0) + Number(row.total)
  }
  return codes
}

/** The job's counts from its rows as stored: the one source of truth after any change. */
export async function recount(trx: TransactionClientContract, job: FileImportJob) {
  const counted = () =>
    trx.from('file_import_rows').where('import_job_id', job.id).whereNull('skipped_reason')
  const count = async (query: ReturnType<typeof counted>) => {
    const row = await query.count('* as total').first()
    return Number(row?.total ?? 0)
  }
  const total = await count(counted())
  const errors = await count(counted().where('error_count', '>', 0))
  job.totalRows = total
  job.errorRows = errors
  job.validRows = total - errors
  job.warningRows = await count(counted().where('warning_count', '>', 0))
  job.summary = { ...job.summary, codes: await codeCounts(trx, job.id) }
}

/** A re-read's staged rows (negative row numbers) replace the job's rows, in the caller's transaction. */
export async function promoteStagedRows(trx: TransactionClientContract, jobId: string) {
  await trx
    .from('file_import_rows')
    .where('import_job_id', jobId)
    .where('row_index', '>', 0)
    .delete()
  // Raw: the update sets a column from itself, which the query builder only takes as a raw fragment.
  await trx.rawQuery('update file_import_rows set row_index = -row_index where import_job_id = ?', [
    jobId,
  ])
}

/** Narrows a row query to rows carrying a warning `code`. */
export function whereWarned(query: ModelQueryBuilderContract<typeof FileImportRow>, code: string) {
  // Raw: `warnings` is JSON, read as text; PostgreSQL needs the cast spelled out.
  const warnings = query.client.dialect.name === 'postgres' ? 'warnings::text' : 'warnings'
  return query.whereRaw(`${warnings} like ?`, [`%"${code}"%`])
}
