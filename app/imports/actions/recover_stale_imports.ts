import { DateTime } from 'luxon'
import db from '@adonisjs/lucid/services/db'
import logger from '@adonisjs/core/services/logger'
import { dbTimestamp } from '#core/services/database_time'
import imports from '#config/imports'
import FileImportJob from '#imports/models/file_import_job'
import ProcessImport from '#imports/actions/process_import'
import { importRunInFlight, startImportRun } from '#imports/services/import_runner'

/**
 * Reads that stopped without an outcome (the process restarted or was
 * killed mid-read) would leave their import "processing" forever. A read
 * either finishes within the processing timeout or fails, and touches
 * `updated_at` with every batch; a job silent for longer than that is
 * orphaned. Each is claimed with a conditional update (only one process
 * wins it) and read again from its stored file.
 */
export default class RecoverStaleImports {
  static async handle(options: { now?: DateTime } = {}) {
    const now = options.now ?? DateTime.now()
    const cutoff = now.minus({ milliseconds: imports.processingTimeoutMs + 60_000 })
    const stale = await FileImportJob.query()
      .whereIn('status', ['uploaded', 'processing'])
      .where('source', 'file')
      .where('updated_at', '<', dbTimestamp(undefined, cutoff))
      .orderBy('updated_at', 'asc')
      .limit(20)
    const restarted: string[] = []
    for (const job of stale) {
      if (importRunInFlight(job.id)) continue
      const claimed = await db
        .from('file_import_jobs')
        .where('id', job.id)
        .whereIn('status', ['uploaded', 'processing'])
        .where('updated_at', '<', dbTimestamp(undefined, cutoff))
        .update({ status: 'processing', updated_at: dbTimestamp(undefined, now) })
      if (Number(claimed) !== 1) continue
      logger.warn(
        { importId: job.id },
        'import read had stopped without an outcome; reading it again'
      )
      startImportRun(job.id, () => ProcessImport.handle({ jobId: job.id }))
      restarted.push(job.id)
    }
    return restarted
  }
}
