import { Exception } from '@adonisjs/core/exceptions'
import { paginationOf } from '#core/http/pagination'
import router from '@adonisjs/core/services/router'
import { columnLetter } from '#imports/services/source_table'
import { IMPORT_KEYS, keyLabel } from '#imports/services/column_mapping'
import type FileImportJob from '#imports/models/file_import_job'
import OrgImports, { type RowFilter } from '#imports/queries/org_imports'
import { importRowsFilterValidator } from '#imports/validators/import'

export function notFound() {
  return new Exception('Resource not found', { status: 404, code: 'E_ROW_NOT_FOUND' })
}

/** The mapped keys in our order (standard keys first), with their column's name, position and letter. */
export function shownKeys(job: FileImportJob) {
  const order = Object.keys(IMPORT_KEYS)
  return Object.entries(job.mapping)
    .map(([key, column]) => ({ key, column, index: job.columns.indexOf(column) }))
    .filter((entry) => entry.index >= 0)
    .sort(
      (a, b) =>
        (order.indexOf(a.key) + 1 || 99) - (order.indexOf(b.key) + 1 || 99) || a.index - b.index
    )
    .map((entry) => ({ ...entry, letter: columnLetter(entry.index), label: keyLabel(entry.key) }))
}

/** The results island's data: the job, the page of rows for the filter, and column letters for headings. */
export async function resultsData(job: FileImportJob, query: Record<string, unknown>) {
  const pagination = await paginationOf(query, { perPage: 50 })
  const [, input] = await importRowsFilterValidator.tryValidate(query)
  const filter: RowFilter = input?.only ?? (job.errorRows > 0 ? 'errors' : 'all')
  const rows =
    job.status === 'ready' ? await OrgImports.rows(job, filter, pagination.page, 50) : null
  rows?.baseUrl(router.builder().params({ id: job.id }).make('imports.imports.show'))
  rows?.queryString({ only: filter })
  return {
    filter,
    rows,
    shownKeys: shownKeys(job),
    polling: job.status === 'processing' || job.status === 'uploaded',
  }
}

/** A submitted mapping without its empty choices (keys not in this file). */
export function presentColumns(mapping: Record<string, string | null>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [key, column] of Object.entries(mapping)) if (column) out[key] = column
  return out
}
