import db from '@adonisjs/lucid/services/db'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import RecordAudit, { type AuditInput } from '#core/actions/record_audit'
import { Queue } from '#core/queue/queue'
import type Organization from '#orgs/models/organization'
import type GenerationJob from '#certificates/models/generation_job'
import OrgGenerationJobs from '#certificates/queries/org_generation_jobs'

export interface GenerationJobChangeInput {
  org: Organization
  jobId: string
  actorUserId: string | null
  origin?: AuditInput['origin']
  via?: 'web' | 'api'
}

export type GenerationJobChangeResult =
  | { kind: 'changed'; job: GenerationJob }
  | { kind: 'not_found' }
  | { kind: 'refused'; message: string }

/**
 * The steps every change of a job shares (StartGenerationJob,
 * CancelGenerationJob, RetryGenerationJob): in one transaction, the job
 * found through the org and locked, the change (or the reason it is
 * refused), the audit entry; then the queue's workers woken.
 */
export async function changeGenerationJob(
  input: GenerationJobChangeInput,
  action: string,
  apply: (job: GenerationJob, trx: TransactionClientContract) => Promise<string | null>
): Promise<GenerationJobChangeResult> {
  const result = await db.transaction(async (trx) => {
    const job = await OrgGenerationJobs.find(input.org, input.jobId, trx)
    if (!job) return { kind: 'not_found' as const }
    const refusal = await apply(job, trx)
    if (refusal) return { kind: 'refused' as const, message: refusal }
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
    return { kind: 'changed' as const, job }
  })
  if (result.kind === 'changed') {
    await result.job.refresh()
    Queue.notify()
  }
  return result
}
