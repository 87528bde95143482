import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import type Organization from '#orgs/models/organization'
import { recordId } from '#orgs/queries/record_id'
import GenerationJob from '#certificates/models/generation_job'
import Certificate from '#certificates/models/certificate'

/** Jobs are reached through their org only: another org's id is simply not found. */
export default class OrgGenerationJobs {
  static find(org: Organization, id: unknown, trx?: TransactionClientContract) {
    const query = GenerationJob.query({ client: trx }).where('organization_id', org.id).where('id', recordId(id))
    if (trx) query.forUpdate()
    return query.first()
  }

  static findWithTemplates(org: Organization, id: unknown) {
    return GenerationJob.query()
      .where('organization_id', org.id)
      .where('id', recordId(id))
      .preload('templates', (templates) => templates.orderBy('position', 'asc').preload('template').preload('version'))
      .first()
  }

  /** Newest first, id breaking ties. */
  static list(org: Organization, page = 1, perPage = 25) {
    return GenerationJob.query()
      .where('organization_id', org.id)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .paginate(Math.max(1, page), Math.min(100, Math.max(1, perPage)))
  }

  /** Certificates of the job that could not be generated, with the reason. */
  static failures(job: GenerationJob, limit = 100) {
    return Certificate.query().where('generation_job_id', job.id).where('status', 'pending').whereNotNull('failure_message').orderBy('sequence_number', 'asc').limit(limit)
  }
}
