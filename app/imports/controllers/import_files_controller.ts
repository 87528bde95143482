import { Readable } from 'node:stream'
import type { HttpContext } from '@adonisjs/core/http'
import { CSV_BOM, csvLine } from '#core/services/csv_export'
import { contentDisposition, fileSlug, sendStoredFile } from '#core/services/downloads'
import { findFileOfOrg } from '#core/queries/org_files'
import FileImportRow from '#imports/models/file_import_row'
import OrgImports from '#imports/queries/org_imports'
import type FileImportJob from '#imports/models/file_import_job'
import { notFound } from '#core/http/not_found'

/** The rows with errors as CSV: the file's own columns (formula-safe), then what is wrong, a page of rows at a time. */
async function* errorReport(job: FileImportJob) {
  yield CSV_BOM + csvLine(['Row', ...job.columns, 'Errors', 'Warnings'])
  let after: number | null = null
  for (;;) {
    const query = FileImportRow.query()
      .where('import_job_id', job.id)
      .whereNull('skipped_reason')
      .where('error_count', '>', 0)
    if (after !== null) query.where('row_index', '>', after)
    const rows = await query.orderBy('row_index', 'asc').limit(1000)
    if (rows.length === 0) return
    let chunk = ''
    for (const row of rows) {
      const cells = job.columns.map((_, i) => row.raw[i] ?? '')
      chunk += csvLine([
        row.rowIndex,
        ...cells,
        row.errors.map((e) => e.message).join(' | '),
        row.warnings.map((w) => w.message).join(' | '),
      ])
    }
    after = rows.at(-1)!.rowIndex
    yield chunk
  }
}

export default class ImportFilesController {
  /** `GET /imports/:id/files/:file`: `errors.csv` (the rows to fix) or `original` (the file as uploaded). */
  async show(ctx: HttpContext) {
    const { org, bouncer, params, response } = ctx
    await bouncer.authorize('allows', 'imports.manage')
    const job = await OrgImports.find(org, params.id)
    if (!job) throw notFound()
    const base = fileSlug((job.fileName ?? 'recipients').replace(/\.[a-z0-9]+$/i, ''), 'recipients')
    if (params.file === 'errors.csv') {
      response.header('Content-Type', 'text/csv; charset=utf-8')
      response.header('Content-Disposition', contentDisposition('attachment', `${base}-errors.csv`))
      response.header('X-Content-Type-Options', 'nosniff')
      response.header('Cache-Control', 'no-store')
      return response.stream(Readable.from(errorReport(job)))
    }
    if (params.file === 'original' && job.originalFileId) {
      const file = await findFileOfOrg(org.id, job.originalFileId)
      return sendStoredFile(ctx, file, { filename: `${base}.${file.path.split('.').pop()}` })
    }
    throw notFound()
  }
}
