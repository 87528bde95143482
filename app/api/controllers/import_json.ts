import type { HttpContext } from '@adonisjs/core/http'
import router from '@adonisjs/core/services/router'
import { appUrl } from '#config/app'
import type FileImportJob from '#imports/models/file_import_job'
import type FileImportRow from '#imports/models/file_import_row'
import type { RowIssue } from '#imports/services/row_validation'

/** An import as the API shows it: the contract's fields, then how the file was read and where it stands. */
export function importJson(job: FileImportJob) {
  return {
    id: job.id,
    // `uploaded` is an instant before the read starts: to a client it is processing.
    status: job.status === 'uploaded' ? 'processing' : job.status,
    total_rows: job.totalRows,
    valid_rows: job.validRows,
    error_rows: job.errorRows,
    warning_rows: job.warningRows,
    skipped_rows: (job.summary.skipped_rows ?? []).length,
    columns: job.columns,
    mapping: job.mapping,
    source: job.source,
    file_name: job.fileName,
    format: job.format,
    sheet: job.sheet,
    sheets: job.summary.sheets?.map((sheet) => sheet.name) ?? [],
    header_row: job.headerRow,
    encoding: job.summary.encoding ?? null,
    delimiter: job.summary.delimiter ?? null,
    template_ids: job.templateIds,
    progress: job.status === 'ready' ? 100 : job.readPercent,
    rows_read: job.rowsRead,
    problem_counts: job.summary.codes ?? {},
    failure: job.failureCode ? { code: job.failureCode, message: job.failureMessage } : null,
    created_at: job.createdAt.toUTC().toISO(),
    processed_at: job.processedAt?.toUTC().toISO() ?? null,
    links: {
      self: `${appUrl}${router.builder().params({ id: job.id }).make('api.imports.show')}`,
      rows: `${appUrl}${router.builder().params({ id: job.id }).make('api.import_rows.index')}`,
    },
  }
}

const issueJson = (issue: RowIssue) => ({
  field: issue.field,
  code: issue.code,
  message: issue.message,
  column: issue.column,
})

export function importRowJson(row: FileImportRow) {
  return {
    id: row.id,
    row_index: row.rowIndex,
    data: row.data,
    errors: row.errors.map(issueJson),
    warnings: row.warnings.map(issueJson),
    raw: row.raw,
    skipped_reason: row.skippedReason,
  }
}

/** A file that could not become rows: what went wrong, with the job for its id. */
export function importFailed(response: HttpContext['response'], job: FileImportJob) {
  const field =
    job.failureCode === 'E_MAPPING_INVALID'
      ? 'mapping'
      : job.failureCode === 'E_HEADER_ROW'
        ? 'header_row'
        : 'file'
  return response.status(job.failureCode === 'E_IMPORT_INTERNAL' ? 500 : 422).send({
    errors: [
      {
        code: job.failureCode ?? 'E_FILE_UNREADABLE',
        message: job.failureMessage ?? 'The file could not be read.',
        field,
      },
    ],
    import: importJson(job),
  })
}
