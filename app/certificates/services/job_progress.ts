import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import { rowsOf } from '#core/services/bulk_insert'
import { dbTimestamp } from '#core/services/database_time'

/**
 * A job's counts and status, in the transaction that changed them: a chunk
 * that issued adds its certificates to `completed_items` (the rows are in
 * the same transaction, so the count cannot drift); anything else, and the
 * job's end (no chunk held, queued or leased), recounts from the rows:
 * completed = its certificates, failed = the recipients × templates of its
 * failed chunks.
 */
export async function refreshJob(
  trx: TransactionClientContract,
  jobId: string,
  change: { issued?: number } = {}
) {
  // FOR NO KEY UPDATE, not FOR UPDATE: the certificates just inserted hold KEY SHARE locks on the job
  // row (their foreign key), and two chunks finishing at once would deadlock on FOR UPDATE.
  const lock = trx.dialect.name === 'postgres' ? ' FOR NO KEY UPDATE' : ''
  const job = rowsOf<{ status: string; finished_at: string | null; template_count: number }>(
    await trx.rawQuery(
      `SELECT status, finished_at, template_count FROM certificate_generation_jobs WHERE id = ?${lock}`,
      [jobId]
    )
  )[0]
  if (!job) return
  const now = dbTimestamp(trx)
  const open = await trx
    .from('generation_job_chunks')
    .where('job_id', jobId)
    .whereIn('status', ['held', 'queued', 'leased'])
    .count('* as total')
    .first()
  const finished = Number(open?.total ?? 0) === 0
  if (change.issued !== undefined && !finished) {
    await trx.rawQuery(
      'UPDATE certificate_generation_jobs SET completed_items = completed_items + ?, updated_at = ? WHERE id = ?',
      [change.issued, now, jobId]
    )
    return
  }
  const counts = await trx
    .from('certificates')
    .where('generation_job_id', jobId)
    .whereNotNull('generation_job_recipient_id')
    .count('* as completed')
    .first()
  const failedChunks = await trx
    .from('generation_job_chunks')
    .where('job_id', jobId)
    .where('status', 'failed')
    .select(trx.raw('coalesce(sum(end_position - first_position), 0) as recipients'))
    .first()
  const completed = Number(counts?.completed ?? 0)
  const failed = Number(failedChunks?.recipients ?? 0) * Number(job.template_count)
  const update: Record<string, unknown> = {
    completed_items: completed,
    failed_items: failed,
    updated_at: now,
  }
  if (job.status !== 'cancelled' && finished) {
    update.status = failed > 0 ? 'failed' : 'completed'
    update.finished_at = job.finished_at ?? now
    update.failure_message =
      failed > 0 ? `${failed} certificate${failed === 1 ? '' : 's'} could not be generated.` : null
  }
  await trx.from('certificate_generation_jobs').where('id', jobId).update(update)
}
