import { DateTime } from 'luxon'
import db from '@adonisjs/lucid/services/db'
import logger from '@adonisjs/core/services/logger'
import { readFileOfOrg } from '#core/queries/org_files'
import Organization from '#orgs/models/organization'
import FileImportJob, { type ImportSummary } from '#imports/models/file_import_job'
import OrganizationImportMapping from '#imports/models/organization_import_mapping'
import { importRulesFor } from '#imports/queries/import_rules'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import type { ColumnMapping } from '#imports/services/column_mapping'
import { headersHash } from '#imports/services/import_processing'
import { ENCODING_LABELS } from '#imports/services/text_decoding'
import { delimiterName } from '#imports/services/source_table'
import { insertRowBatch, promoteStagedRows, recount } from '#imports/services/import_rows_store'
import { readImportFile } from '#imports/services/import_workers'
import type { ReadImportOutput } from '#imports/services/import_tasks'
import { dbTimestamp } from '#core/services/database_time'

/** Remembers the mapping an org confirmed for these headers, for its next file with the same ones. */
export async function rememberMapping(
  org: Organization,
  columns: string[],
  mapping: ColumnMapping,
  trx: TransactionClientContract
) {
  const hash = headersHash(columns)
  const existing = await OrganizationImportMapping.query({ client: trx })
    .where('organization_id', org.id)
    .where('headers_hash', hash)
    .first()
  if (existing) {
    existing.merge({ mapping, columns })
    await existing.useTransaction(trx).save()
  } else {
    await OrganizationImportMapping.create(
      { organizationId: org.id, headersHash: hash, columns, mapping },
      { client: trx }
    )
  }
}

interface ReadState {
  /** Known once the read starts: whether new rows are staged beside old ones. */
  staging: boolean | null
}

/** Rows of a read that did not finish: the staged ones (negative numbers), or all of a first read. */
function discardNewRows(jobId: string, staging: boolean) {
  return db
    .from('file_import_rows')
    .where('import_job_id', jobId)
    .where('row_index', staging ? '<' : '>', 0)
    .delete()
}

export interface ProcessImportInput {
  jobId: string
  /** A mapping the user or the API chose; otherwise remembered or suggested. */
  mapping?: ColumnMapping | null
}

export type ProcessImportResult =
  | { kind: 'ready'; job: FileImportJob }
  | { kind: 'failed'; job: FileImportJob; code: string; message: string }
  | { kind: 'not_found' }

/** The message and code stored on a job whose file could not become rows. */
function failureOf(outcome: Exclude<ReadImportOutput, { kind: 'ok' }>): {
  code: string
  message: string
} {
  switch (outcome.kind) {
    case 'too_many_rows':
      return { code: 'E_TOO_MANY_ROWS', message: outcome.message }
    case 'too_many_columns':
      return { code: 'E_TOO_MANY_COLUMNS', message: outcome.message }
    case 'empty':
      return { code: 'E_FILE_EMPTY', message: outcome.message }
    case 'header_out_of_range':
      return { code: 'E_HEADER_ROW', message: outcome.message }
    case 'bad_mapping':
      return { code: 'E_MAPPING_INVALID', message: outcome.message }
    case 'unreadable':
      return { code: 'E_FILE_UNREADABLE', message: outcome.message }
    case 'invalid_workbook':
      return {
        code:
          outcome.code === 'too_many_entries' ||
          outcome.code === 'too_large' ||
          outcome.code === 'suspicious_ratio'
            ? 'E_WORKBOOK_TOO_LARGE'
            : 'E_WORKBOOK_INVALID',
        message: `This Excel file cannot be read: ${outcome.message}. Open it in Excel or Google Sheets and save it again as .xlsx or .csv.`,
      }
  }
}

/**
 * Reads an import's stored file (in a worker thread) into rows, replacing
 * any rows it had, and marks the job ready; or failed, with the reason,
 * keeping the file so the user can try another sheet, header row or mapping.
 */
export default class ProcessImport {
  static async handle(input: ProcessImportInput): Promise<ProcessImportResult> {
    const job = await FileImportJob.find(input.jobId)
    if (!job || !job.originalFileId) return { kind: 'not_found' }
    const fail = async (code: string, message: string) => {
      job.merge({
        status: 'failed',
        failureCode: code,
        failureMessage: message.slice(0, 1000),
        processedAt: DateTime.utc(),
      })
      await job.save()
      return { kind: 'failed' as const, job, code, message }
    }
    const state: ReadState = { staging: null }
    try {
      return await this.read(job, input, fail, state)
    } catch (error) {
      // Our fault, not the file's: logged, and the job says so instead of staying "processing".
      logger.error({ err: error, importId: job.id }, 'import processing failed')
      if (state.staging !== null) await discardNewRows(job.id, state.staging)
      return fail(
        'E_IMPORT_INTERNAL',
        'Something went wrong on our side while reading the file. Try again; the file is kept.'
      )
    }
  }

  private static async read(
    job: FileImportJob,
    input: ProcessImportInput,
    fail: (
      code: string,
      message: string
    ) => Promise<Extract<ProcessImportResult, { kind: 'failed' }>>,
    state: ReadState
  ): Promise<ProcessImportResult> {
    const org = await Organization.findOrFail(job.organizationId)

    const rules = await importRulesFor(org, job.templateIds)
    if (rules.kind !== 'ok')
      return fail(
        'E_TEMPLATE_UNKNOWN',
        'A template this import was meant for no longer exists or is archived.'
      )
    const { bytes } = await readFileOfOrg(org.id, job.originalFileId!)
    const remembered = await OrganizationImportMapping.query()
      .where('organization_id', org.id)
      .orderBy('updated_at', 'desc')
      .limit(200)

    // Rows arrive in batches, each written in its own short transaction (a
    // long one would hold SQLite's write lock against every other request).
    // A job that already has rows (read again with another sheet or header
    // row) gets the new ones staged under negative row numbers and swapped
    // in at the end, so a failure leaves the old rows as they were.
    const existing = await db
      .from('file_import_rows')
      .where('import_job_id', job.id)
      .count('* as total')
    const staging = Number(existing[0].total) > 0
    state.staging = staging
    await db.from('file_import_jobs').where('id', job.id).update({ rows_read: 0, read_percent: 0 })
    let rowsRead = 0
    const outcome = await readImportFile(
      {
        bytes,
        format: job.format === 'xlsx' ? 'xlsx' : 'csv',
        sheet: job.sheet,
        headerRow: job.headerRow,
        rules: rules.rules,
        mapping: {
          explicit: input.mapping ?? null,
          remembered: remembered.map((entry) => ({
            hash: entry.headersHash,
            mapping: entry.mapping,
          })),
        },
      },
      async (batch) => {
        rowsRead += batch.count
        await db.transaction(async (trx) => {
          await insertRowBatch(trx, job.id, batch, staging ? -1 : 1)
          // updated_at doubles as the read's heartbeat (see RecoverStaleImports).
          await trx
            .from('file_import_jobs')
            .where('id', job.id)
            .update({
              rows_read: rowsRead,
              read_percent: Math.min(99, Math.floor(batch.progress * 100)),
              updated_at: dbTimestamp(trx),
            })
        })
      }
    )
    if (outcome.kind !== 'ok' || outcome.value.kind !== 'ok') await discardNewRows(job.id, staging)
    if (outcome.kind === 'timeout')
      return fail(
        'E_FILE_TOO_COMPLEX',
        'The file took too long to read. Save it again as .csv, or split it into smaller files.'
      )
    if (outcome.kind === 'out_of_memory')
      return fail(
        'E_FILE_TOO_COMPLEX',
        'The file needs too much memory to read. Save it again as .csv, or split it into smaller files.'
      )
    if (outcome.kind === 'crashed' || outcome.kind === 'failed') {
      logger.warn({ importId: job.id, outcome }, 'import file could not be read')
      return fail(
        'E_FILE_UNREADABLE',
        'The file could not be read. Save it again as .csv or .xlsx and upload that.'
      )
    }
    const read = outcome.value
    if (read.kind !== 'ok') {
      const failure = failureOf(read)
      return fail(failure.code, failure.message)
    }

    const summary: ImportSummary = {
      encoding: read.table.encoding ? ENCODING_LABELS[read.table.encoding] : null,
      delimiter: delimiterName(read.table.delimiter),
      sheets: read.table.sheets,
      header_detected: read.table.headerDetected,
      suspect_mojibake: read.table.suspectMojibake,
      skipped_rows: read.skipped,
      codes: read.codes,
      samples: read.samples,
      required_keys: rules.rules.requiredKeys,
      date_keys: rules.rules.dateKeys,
      custom_keys: rules.rules.customKeys,
    }
    await db.transaction(async (trx) => {
      job.useTransaction(trx)
      if (staging) {
        await promoteStagedRows(trx, job.id)
      }
      job.merge({
        status: 'ready',
        columns: read.table.columns,
        mapping: read.mapping,
        sheet: read.table.sheet,
        headerRow: read.table.headerRow,
        summary,
        failureCode: null,
        failureMessage: null,
        rowsRead,
        readPercent: 100,
        processedAt: DateTime.utc(),
      })
      await recount(trx, job)
      await job.save()
      if (read.mappingSource === 'explicit')
        await rememberMapping(org, read.table.columns, read.mapping, trx)
    })
    return { kind: 'ready', job }
  }
}
