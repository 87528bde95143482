import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import type Organization from '#orgs/models/organization'
import { recordId } from '#orgs/queries/record_id'
import Delivery from '#deliveries/models/delivery'

/** An org's deliveries: another org's id finds nothing. */
const OrgDeliveries = {
  find(org: Organization, id: unknown, client?: TransactionClientContract) {
    return Delivery.query(client ? { client } : {})
      .where('organization_id', org.id)
      .where('id', recordId(id))
      .first()
  },

  /** A job's deliveries, newest first (id breaking ties). */
  ofJob(org: Organization, jobId: string) {
    return Delivery.query()
      .where('organization_id', org.id)
      .where('generation_job_id', jobId)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
  },

  /** Whether any delivery of the job is still queued or sending (its panel keeps polling). */
  async jobIsSending(org: Organization, jobId: string) {
    const row = await Delivery.query()
      .where('organization_id', org.id)
      .where('generation_job_id', jobId)
      .whereIn('status', ['queued', 'sending'])
      .select('id')
      .first()
    return row !== null
  },
}

export default OrgDeliveries
