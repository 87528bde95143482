import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import GenerationJob from '#certificates/models/generation_job'

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
  const job = await GenerationJob.lockedForUpdate(trx, jobId)
  if (!job) return
  const open = await trx
    .from('generation_job_chunks')
    .where('job_id', jobId)
    .whereIn('status', ['held', 'queued', 'leased'])
    .count('* as total')
    .first()
  const finished = Number(open?.total ?? 0) === 0
  if (change.issued !== undefined && !finished) {
    job.completedItems += change.issued
    await job.save()
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
    .select('first_position', 'end_position')
  const failedRecipients = failedChunks.reduce(
    (sum, chunk) => sum + Number(chunk.end_position) - Number(chunk.first_position),
    0
  )
  job.completedItems = Number(counts?.completed ?? 0)
  job.failedItems = failedRecipients * job.templateCount
  if (finished) job.finish(job.failedItems)
  await job.save()
}
