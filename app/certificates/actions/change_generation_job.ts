import db from '@adonisjs/lucid/services/db'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import { DateTime } from 'luxon'
import { dbTimestamp } from '#core/services/database_time'
import RecordAudit, { type AuditInput } from '#core/actions/record_audit'
import type Organization from '#orgs/models/organization'
import type GenerationJob from '#certificates/models/generation_job'
import OrgGenerationJobs from '#certificates/queries/org_generation_jobs'
import { refreshJob } from '#certificates/services/job_progress'
import { generationQueue } from '#certificates/services/generation_queue'

export interface JobChangeInput {
  org: Organization
  jobId: string
  actorUserId: string | null
  origin?: AuditInput['origin']
  via?: 'web' | 'api'
}

export type JobChangeResult =
  { kind: 'ok'; job: GenerationJob } | { kind: 'not_found' } | { kind: 'conflict'; message: string }

/**
 * What a user can do to a job once it exists: start one that was created
 * to start later, cancel one that has work left (chunks not begun are
 * cancelled; a chunk already numbered is finished so no number is lost),
 * and retry the certificates that failed.
 */
export default class ChangeGenerationJob {
  static async start(input: JobChangeInput): Promise<JobChangeResult> {
    return this.change(input, 'generation_job.started', async (job, trx) => {
      if (job.startedAt || job.status !== 'queued') return 'This job has already been started.'
      await trx
        .from('generation_job_chunks')
        .where('job_id', job.id)
        .where('status', 'held')
        .update({ status: 'queued', updated_at: dbTimestamp(trx) })
      job.startedAt = DateTime.utc()
      await job.useTransaction(trx).save()
      return null
    })
  }

  static async cancel(input: JobChangeInput): Promise<JobChangeResult> {
    return this.change(input, 'generation_job.cancelled', async (job, trx) => {
      if (job.isFinished)
        return job.status === 'cancelled'
          ? 'This job is already cancelled.'
          : 'This job has finished; there is nothing left to cancel.'
      const now = dbTimestamp(trx)
      await trx
        .from('generation_job_chunks')
        .where('job_id', job.id)
        .whereIn('status', ['held', 'queued'])
        .update({ status: 'cancelled', updated_at: now })
      job.status = 'cancelled'
      job.cancelledAt = DateTime.utc()
      job.finishedAt = DateTime.utc()
      await job.useTransaction(trx).save()
      await refreshJob(trx, job.id)
      return null
    })
  }

  static async retryFailed(input: JobChangeInput): Promise<JobChangeResult> {
    return this.change(input, 'generation_job.retried', async (job, trx) => {
      const failed = await trx
        .from('generation_job_chunks')
        .where('job_id', job.id)
        .where('status', 'failed')
        .select('id')
      if (failed.length === 0) return 'No certificate of this job has failed.'
      const now = dbTimestamp(trx)
      const ids = failed.map((row) => row.id)
      await trx
        .from('generation_job_chunks')
        .whereIn('id', ids)
        .update({ status: 'queued', attempts: 0, last_error: null, updated_at: now })
      await trx
        .from('certificates')
        .whereIn('generation_job_chunk_id', ids)
        .where('status', 'pending')
        .update({ failure_message: null, updated_at: now })
      job.status = 'processing'
      job.finishedAt = null
      job.failureMessage = null
      await job.useTransaction(trx).save()
      await refreshJob(trx, job.id)
      return null
    })
  }

  private static async change(
    input: JobChangeInput,
    action: string,
    apply: (job: GenerationJob, trx: TransactionClientContract) => Promise<string | null>
  ): Promise<JobChangeResult> {
    const result = await db.transaction(async (trx) => {
      const job = await OrgGenerationJobs.find(input.org, input.jobId, trx)
      if (!job) return { kind: 'not_found' as const }
      const conflict = await apply(job, trx)
      if (conflict) return { kind: 'conflict' as const, message: conflict }
      await RecordAudit.handle(
        {
          action,
          organizationId: input.org.id,
          actorUserId: input.actorUserId,
          entityType: 'generation_job',
          entityId: job.id,
          origin: input.origin,
          metadata: { via: input.via ?? 'web' },
        },
        trx
      )
      return { kind: 'ok' as const, job }
    })
    if (result.kind === 'ok') {
      await result.job.refresh()
      generationQueue.notify()
    }
    return result
  }
}
