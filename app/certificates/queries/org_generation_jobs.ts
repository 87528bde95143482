import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import type Organization from '#orgs/models/organization'
import { recordId } from '#orgs/queries/record_id'
import GenerationJob from '#certificates/models/generation_job'
import GenerationJobTemplate from '#certificates/models/generation_job_template'
import db from '@adonisjs/lucid/services/db'
import { formatCertificateNumber } from '#core/services/certificate_number'
import { issueDateFor } from '#certificates/services/issuance_rows'
import { chunkRecipients } from '#certificates/queries/chunk_recipients'

/** Jobs are reached through their org only: another org's id is simply not found. */
export default class OrgGenerationJobs {
  static find(org: Organization, id: unknown, trx?: TransactionClientContract) {
    const query = GenerationJob.query({ client: trx })
      .where('organization_id', org.id)
      .where('id', recordId(id))
    // NO KEY UPDATE: a chunk finishing holds KEY SHARE on the job row (its certificates' foreign key);
    // FOR UPDATE here would queue against it and deadlock when that chunk then updates the job.
    if (trx) query.knexQuery.forNoKeyUpdate()
    return query.first()
  }

  static findWithTemplates(org: Organization, id: unknown) {
    return GenerationJob.query()
      .where('organization_id', org.id)
      .where('id', recordId(id))
      .preload('templates', (templates) =>
        templates.orderBy('position', 'asc').preload('template').preload('version')
      )
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

  /**
   * What could not be generated: the recipients × templates of the job's
   * failed chunks, with the numbers reserved for them (a retry issues them
   * under those numbers) and the chunk's last error.
   */
  static async failures(job: GenerationJob, limit = 100): Promise<JobFailure[]> {
    const chunks = await db
      .from('generation_job_chunks')
      .where('job_id', job.id)
      .where('status', 'failed')
      .orderBy('seq', 'asc')
      .select('id', 'first_position', 'end_position', 'first_number', 'last_error')
    if (chunks.length === 0) return []
    const org = await db
      .from('organizations')
      .where('id', job.organizationId)
      .select('certificate_number_format', 'certificate_number_prefix')
      .firstOrFail()
    const templates = await db
      .from('generation_job_templates as gt')
      .join('certificate_templates as t', 't.id', 'gt.template_id')
      .where('gt.job_id', job.id)
      .orderBy('gt.position', 'asc')
      .select('gt.template_id', 't.name')
    const out: JobFailure[] = []
    for (const chunk of chunks) {
      const recipients = await chunkRecipients(job.id, {
        first: chunk.first_position,
        end: chunk.end_position,
      })
        .limit(limit - out.length)
        .select('id', 'recipient_name', 'recipient_data', 'row_index')
      let index = 0
      for (const recipient of recipients) {
        const data =
          typeof recipient.recipient_data === 'string'
            ? JSON.parse(recipient.recipient_data)
            : recipient.recipient_data
        for (const template of templates) {
          const sequence = chunk.first_number === null ? null : Number(chunk.first_number) + index
          index++
          if (out.length >= limit) return out
          out.push({
            id: `${recipient.id}:${template.template_id}`,
            certificateNumber:
              sequence === null
                ? null
                : formatCertificateNumber(org.certificate_number_format, {
                    prefix: org.certificate_number_prefix,
                    date: new Date(`${issueDateFor(data, job.issueDate)}T00:00:00Z`),
                    sequence,
                  }),
            recipientName: recipient.recipient_name,
            rowIndex: recipient.row_index,
            templateName: template.name,
            failureMessage: chunk.last_error ?? 'The certificate could not be generated.',
          })
        }
      }
    }
    return out
  }

  /** Template names of each job, in the job's order (one query for a page of jobs). */
  static async templateNames(
    org: Organization,
    jobs: GenerationJob[]
  ): Promise<Record<string, string[]>> {
    const names: Record<string, string[]> = Object.fromEntries(
      jobs.map((job) => [job.id, [] as string[]])
    )
    if (jobs.length === 0) return names
    const rows = await GenerationJobTemplate.query()
      .where('organization_id', org.id)
      .whereIn(
        'job_id',
        jobs.map((job) => job.id)
      )
      .preload('template')
      .orderBy('position', 'asc')
    for (const row of rows) names[row.jobId]?.push(row.template.name)
    return names
  }
}

export interface JobFailure {
  /** recipient id : template id */
  id: string
  /** The number reserved for it; null when its chunk failed before numbering. */
  certificateNumber: string | null
  recipientName: string
  rowIndex: number | null
  templateName: string
  failureMessage: string
}
