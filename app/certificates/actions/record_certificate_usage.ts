import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import { v7 as uuidv7 } from 'uuid'
import { bulkInsert } from '#core/services/bulk_insert'
import { dbTimestamp } from '#core/services/database_time'

export interface CertificateUsage {
  organizationId: string
  /** The job the certificates came from (a reissue keeps its original's). */
  jobId: string | null
  certificateIds: string[]
}

/**
 * One `certificate_issued` usage event per issued certificate, in the
 * transaction that issues it; billing prices them. Unique per certificate
 * and type, so an issue retried after a crash adds none.
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
        event_type: 'certificate_issued',
        certificate_id: id,
        occurred_at: now,
        quantity: 1,
        metadata: usage.jobId ? { generation_job_id: usage.jobId } : {},
        created_at: now,
      })),
      { onConflictDoNothing: 'certificate_id, event_type' }
    )
  }
}
