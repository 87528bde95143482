import { Queue } from '#core/queue/queue'
import { issueChunk } from '#certificates/services/generation_queue'
import {
  type GenerationJobChangeInput,
  changeGenerationJob,
} from '#certificates/actions/generation_job_change'

/**
 * The certificates that failed are generated again under the numbers
 * reserved for them: the job's dead chunks go back to the queue (the
 * kind's `retried` hook reopens the job and its chunks).
 */
export default class RetryGenerationJob {
  static handle(input: GenerationJobChangeInput) {
    return changeGenerationJob(input, 'generation_job.retried', async (job, trx) => {
      const retried = await Queue.retry(trx, { kind: issueChunk, subjectId: job.id })
      return retried.length === 0 ? 'No certificate of this job has failed.' : null
    })
  }
}
