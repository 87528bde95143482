import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import { DateTime } from 'luxon'

/**
 * A job's counts and status from its rows (never from a worker's memory):
 * completed = its certificates past `pending`, failed = pending ones whose
 * chunk gave up; finished when no chunk is held, queued or leased.
 */
export async function refreshJob(trx: TransactionClientContract, jobId: string) {
  const job = await trx.from('certificate_generation_jobs').where('id', jobId).forUpdate().select('status', 'finished_at').first()
  if (!job) return
  const counts = await trx
    .from('certificates')
    .where('generation_job_id', jobId)
    .whereNotNull('generation_job_recipient_id')
    .select(
      trx.raw(`sum(case when status <> 'pending' then 1 else 0 end) as completed`),
      trx.raw(`sum(case when status = 'pending' and failure_message is not null then 1 else 0 end) as failed`)
    )
    .first()
  const open = await trx.from('generation_job_chunks').where('job_id', jobId).whereIn('status', ['held', 'queued', 'leased']).count('* as total').first()
  const completed = Number(counts?.completed ?? 0)
  const failed = Number(counts?.failed ?? 0)
  const now = DateTime.utc().toFormat(trx.dialect.dateTimeFormat)
  const update: Record<string, unknown> = { completed_items: completed, failed_items: failed, updated_at: now }
  if (job.status !== 'cancelled' && Number(open?.total ?? 0) === 0) {
    update.status = failed > 0 ? 'failed' : 'completed'
    update.finished_at = job.finished_at ?? now
    update.failure_message = failed > 0 ? `${failed} certificate${failed === 1 ? '' : 's'} could not be generated.` : null
  }
  await trx.from('certificate_generation_jobs').where('id', jobId).update(update)
}
