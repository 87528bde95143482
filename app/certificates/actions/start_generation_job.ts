import { Queue } from '#core/queue/queue'
import { dbTimestamp } from '#core/services/database_time'
import { issueChunk } from '#certificates/services/generation_queue'
import {
  type GenerationJobChangeInput,
  changeGenerationJob,
} from '#certificates/actions/generation_job_change'

/** A job created to start later: its chunks are released to the queue. */
export default class StartGenerationJob {
  static handle(input: GenerationJobChangeInput) {
    return changeGenerationJob(input, 'generation_job.started', async (job, trx) => {
      if (job.startRefusal) return job.startRefusal
      job.start()
      await job.useTransaction(trx).save()
      await Queue.release(trx, { kind: issueChunk, subjectId: job.id })
      await trx
        .from('generation_job_chunks')
        .where('job_id', job.id)
        .where('status', 'held')
        .update({ status: 'queued', updated_at: dbTimestamp(trx) })
      return null
    })
  }
}
