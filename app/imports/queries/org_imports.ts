import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import type Organization from '#orgs/models/organization'
import { recordId } from '#orgs/queries/record_id'
import FileImportJob from '#imports/models/file_import_job'
import FileImportRow from '#imports/models/file_import_row'

export type RowFilter = 'all' | 'errors' | 'warnings' | 'valid' | 'skipped'

/** Imports are reached through their org only: another org's id is simply not found. */
export default class OrgImports {
  static find(org: Organization, id: unknown, trx?: TransactionClientContract) {
    const query = FileImportJob.query({ client: trx })
      .where('organization_id', org.id)
      .where('id', recordId(id))
    if (trx) query.forUpdate()
    return query.first()
  }

  /** Newest first, id breaking ties. */
  static list(org: Organization, page = 1, perPage = 25) {
    return FileImportJob.query()
      .where('organization_id', org.id)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .paginate(Math.max(1, page), Math.min(100, Math.max(1, perPage)))
  }

  static row(job: FileImportJob, rowId: unknown, trx?: TransactionClientContract) {
    const query = FileImportRow.query({ client: trx })
      .where('import_job_id', job.id)
      .where('id', recordId(rowId))
    if (trx) query.forUpdate()
    return query.first()
  }

  /** Rows in file order, filtered: errors, warnings, valid (no error), skipped (not recipients) or all recipients. */
  static rows(job: FileImportJob, filter: RowFilter, page = 1, perPage = 50) {
    const query = FileImportRow.query().where('import_job_id', job.id).orderBy('row_index', 'asc')
    if (filter === 'skipped') query.whereNotNull('skipped_reason')
    else {
      query.whereNull('skipped_reason')
      if (filter === 'errors') query.where('error_count', '>', 0)
      else if (filter === 'warnings') query.where('warning_count', '>', 0)
      else if (filter === 'valid') query.where('error_count', 0)
    }
    return query.paginate(Math.max(1, page), Math.min(500, Math.max(1, perPage)))
  }
}
