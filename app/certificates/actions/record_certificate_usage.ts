import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import { v7 as uuidv7 } from 'uuid'
import { bulkInsert } from '#core/services/bulk_insert'
import { dbTimestamp } from '#core/services/database_time'

export interface CertificateUsage {
  organizationId: string
  /** The job the certificates came from (a reissue keeps its original's). */
  jobId: string | null
  certificateIds: string[]
  /**
   * A reissue: the certificate it replaces and when that one was issued.
   * Recorded as `certificate_reissued`, which billing prices apart (free
   * within the price book's `free_reissue_days` of the replaced one's
   * issue: a correction is not a sale) and the trial's free allowance
   * does not count.
   */
  reissueOf?: { certificateId: string; issuedAt: string | null }
}

/**
 * One usage event per issued certificate (`certificate_issued`, or
 * `certificate_reissued` for a reissue), in the transaction that issues it;
 * billing prices them. Unique per certificate and type, so an issue
 * retried after a crash adds none.
 */
export default class RecordCertificateUsage {
  static async handle(trx: TransactionClientContract, usage: CertificateUsage) {
    const now = dbTimestamp(trx)
    await bulkInsert(
      trx,
      'billing_usage_events',
      [
        { name: 'id', pg: 'uuid' },
        { name: 'organization_id', pg: 'uuid' },
        { name: 'event_type', pg: 'text' },
        { name: 'certificate_id', pg: 'uuid' },
        { name: 'occurred_at', pg: 'timestamptz' },
        { name: 'quantity', pg: 'int' },
        { name: 'metadata', pg: 'json' },
        { name: 'created_at', pg: 'timestamptz' },
      ],
      usage.certificateIds.map((id) => ({
        id: uuidv7(),
        organization_id: usage.organizationId,
        event_type: usage.reissueOf ? 'certificate_reissued' : 'certificate_issued',
        certificate_id: id,
        occurred_at: now,
        quantity: 1,
        metadata: {
          ...(usage.jobId ? { generation_job_id: usage.jobId } : {}),
          ...(usage.reissueOf
            ? {
                reissued_from_certificate_id: usage.reissueOf.certificateId,
                reissued_from_issued_at: usage.reissueOf.issuedAt,
              }
            : {}),
        },
        created_at: now,
      })),
      { onConflictDoNothing: 'certificate_id, event_type' }
    )
  }
}
