import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import type { DateTime } from 'luxon'
import { v7 as uuidv7 } from 'uuid'
import { Queue } from '#core/queue/queue'
import { defineJob } from '#core/queue/registry'
import { dbTimestamp } from '#core/services/database_time'
import generation from '#config/generation'
import ProcessChunk, { type ChunkPayload } from '#certificates/actions/process_chunk'
import GenerationJob from '#certificates/models/generation_job'
import { refreshJob } from '#certificates/services/job_progress'

/**
 * Issuance on the core queue: one queue job per chunk of a generation job,
 * sharing the chunk's id, with the generation job as its subject. The
 * queue leases, retries and dead-letters; the chunk row keeps what the job
 * page shows (its status, its numbers, its last error).
 */
export const issueChunk = defineJob<ChunkPayload>('certificates.issue_chunk', {
  perform: (job) => ProcessChunk.handle(job),
  maxAttempts: () => generation.maxAttempts,
  concurrency: (_payload, organizationId) =>
    organizationId ? { key: `org:${organizationId}`, limit: generation.chunksPerOrg } : null,

  async failed(trx, job) {
    await trx
      .from('generation_job_chunks')
      .where('id', job.id)
      .update({
        status: 'failed',
        attempts: job.attempts,
        last_error: job.lastError,
        updated_at: dbTimestamp(trx),
      })
    await refreshJob(trx, job.payload.jobId)
  },

  async retried(trx, jobs) {
    const now = dbTimestamp(trx)
    const ids = jobs.map((job) => job.id)
    await trx
      .from('generation_job_chunks')
      .whereIn('id', ids)
      .update({ status: 'queued', attempts: 0, last_error: null, updated_at: now })
    await trx
      .from('certificates')
      .whereIn('generation_job_chunk_id', ids)
      .where('status', 'pending')
      .update({ failure_message: null, updated_at: now })
    for (const jobId of new Set(jobs.map((job) => job.payload.jobId))) {
      const generationJob = await GenerationJob.lockedForUpdate(trx, jobId)
      if (!generationJob) continue
      generationJob.reopen()
      await generationJob.save()
      await refreshJob(trx, jobId)
    }
  },
})

/** A new job's chunks and their queue jobs, in the transaction that creates the job. */
export async function enqueueChunks(
  trx: TransactionClientContract,
  job: { id: string; organizationId: string; recipientCount: number },
  options: { start: boolean; now: DateTime }
) {
  const chunks = []
  for (let first = 0, seq = 0; first < job.recipientCount; first += generation.chunkSize, seq++) {
    chunks.push({
      id: uuidv7(),
      job_id: job.id,
      organization_id: job.organizationId,
      seq,
      first_position: first,
      end_position: Math.min(first + generation.chunkSize, job.recipientCount),
      status: options.start ? 'queued' : 'held',
      attempts: 0,
      created_at: dbTimestamp(trx, options.now),
      updated_at: dbTimestamp(trx, options.now),
    })
  }
  for (let at = 0; at < chunks.length; at += 200)
    await trx.table('generation_job_chunks').multiInsert(chunks.slice(at, at + 200))
  await Queue.enqueueMany(
    trx,
    issueChunk,
    chunks.map((chunk) => ({
      id: chunk.id,
      organizationId: job.organizationId,
      subjectId: job.id,
      held: !options.start,
      payload: {
        jobId: job.id,
        seq: chunk.seq,
        firstPosition: chunk.first_position,
        endPosition: chunk.end_position,
      },
    }))
  )
}
