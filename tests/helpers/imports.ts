import type Organization from '#orgs/models/organization'
import CreateImport from '#imports/actions/create_import'
import FileImportJob from '#imports/models/file_import_job'
import FileImportRow from '#imports/models/file_import_row'
import type { ColumnMapping } from '#imports/services/column_mapping'
import { importRunInFlight } from '#imports/services/import_runner'
import { fixture } from '#tests/helpers/templates'

/** An import of `org` from a fixture file (or bytes), read to the end. */
export async function givenImport(
  org: Organization,
  file: string | { bytes: Uint8Array; name: string },
  options: {
    templateIds?: string[]
    mapping?: ColumnMapping
    sheet?: string
    headerRow?: number
  } = {}
) {
  const bytes = typeof file === 'string' ? fixture(file) : file.bytes
  const name = typeof file === 'string' ? file.split('/').pop()! : file.name
  const result = await CreateImport.handle({
    org,
    file: { bytes, originalName: name },
    actorUserId: null,
    ...options,
  })
  if (result.kind !== 'created') throw new Error(`import not created: ${JSON.stringify(result)}`)
  await result.run
  return FileImportJob.findOrFail(result.job.id)
}

/** Waits for a background read of this import, if one is running. */
export async function settled(jobId: string) {
  await importRunInFlight(jobId)
  return FileImportJob.findOrFail(jobId)
}

/** The import's recipient rows in file order (rows set aside as not recipients left out unless asked for). */
export function rowsOf(job: FileImportJob, options: { withSkipped?: boolean } = {}) {
  const query = FileImportRow.query().where('import_job_id', job.id).orderBy('row_index', 'asc')
  if (!options.withSkipped) query.whereNull('skipped_reason')
  return query
}
