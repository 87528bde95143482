import router from '@adonisjs/core/services/router'
import { paginationOf } from '#core/http/pagination'
import { columnLetter } from '#imports/services/source_table'
import { IMPORT_KEYS, keyLabel } from '#imports/services/column_mapping'
import type FileImportJob from '#imports/models/file_import_job'
import OrgImports, { type RowFilter } from '#imports/queries/org_imports'
import { importRowsFilterValidator } from '#imports/validators/import'

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

/**
 * The results island's view model, shown in the import's page and by its own
 * route: the page of rows for the filter, the mapped keys as column headings,
 * and whether it keeps polling.
 */
export async function importResults(job: FileImportJob, query: Record<string, unknown>) {
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
