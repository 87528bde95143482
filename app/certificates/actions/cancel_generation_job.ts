import { Queue } from '#core/queue/queue'
import { dbTimestamp } from '#core/services/database_time'
import { issueChunk } from '#certificates/services/generation_queue'
import { refreshJob } from '#certificates/services/job_progress'
import {
  type GenerationJobChangeInput,
  changeGenerationJob,
} from '#certificates/actions/generation_job_change'

/**
 * A job with work left: chunks not begun are cancelled; a chunk being
 * issued runs to its end (once numbered, its numbers are used).
 */
export default class CancelGenerationJob {
  static handle(input: GenerationJobChangeInput) {
    return changeGenerationJob(input, 'generation_job.cancelled', async (job, trx) => {
      if (job.cancelRefusal) return job.cancelRefusal
      job.cancel()
      await job.useTransaction(trx).save()
      await Queue.cancel(trx, { kind: issueChunk, subjectId: job.id })
      // The chunks whose queue job was just cancelled (a chunk's queue job shares its id).
      await trx
        .from('generation_job_chunks')
        .where('job_id', job.id)
        .whereIn('status', ['held', 'queued'])
        .whereIn(
          'id',
          trx
            .from('queue_jobs')
            .where('kind', issueChunk.kind)
            .where('subject_id', job.id)
            .where('state', 'cancelled')
            .select('id')
        )
        .update({ status: 'cancelled', updated_at: dbTimestamp(trx) })
      await refreshJob(trx, job.id)
      return null
    })
  }
}
