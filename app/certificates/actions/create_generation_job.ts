import db from '@adonisjs/lucid/services/db'
import { DateTime } from 'luxon'
import RecordAudit, { type AuditInput } from '#core/actions/record_audit'
import { bulkInsert } from '#core/services/bulk_insert'
import { v7 as uuidv7 } from 'uuid'
import type Organization from '#orgs/models/organization'
import GenerationJob from '#certificates/models/generation_job'
import {
  type GenerationPlan,
  type PlanProblem,
  planGeneration,
} from '#certificates/queries/generation_plan'
import { type ExpiryChoice, isIsoDate } from '#certificates/services/issuance_rows'
import { enqueueChunks } from '#certificates/services/generation_queue'
import { Queue } from '#core/queue/queue'
import { dbTimestamp } from '#core/services/database_time'

export interface CreateGenerationJobInput {
  org: Organization
  templateIds: string[]
  importId: string
  /** YYYY-MM-DD; today (UTC) when absent. */
  issueDate?: string | null
  expiry: ExpiryChoice
  /** false: the job waits for "Start" (its chunks are held). */
  start: boolean
  name?: string | null
  actorUserId: string | null
  origin?: AuditInput['origin']
  via?: 'web' | 'api'
}

export type CreateGenerationJobResult =
  | { kind: 'created'; job: GenerationJob; plan: GenerationPlan }
  | { kind: 'problem'; problem: PlanProblem | DatesProblem }

const RECIPIENT_COLUMNS = [
  { name: 'id', pg: 'uuid' },
  { name: 'job_id', pg: 'uuid' },
  { name: 'position', pg: 'int' },
  { name: 'import_row_id', pg: 'uuid' },
  { name: 'row_index', pg: 'int' },
  { name: 'recipient_name', pg: 'text' },
  { name: 'recipient_email', pg: 'text' },
  { name: 'recipient_phone', pg: 'text' },
  { name: 'recipient_data', pg: 'json' },
  { name: 'created_at', pg: 'timestamptz' },
] as const

const PAGE = 5000

export type DatesProblem = {
  code: 'E_INVALID_DATE'
  message: string
  field: 'issued_at' | 'expires_at' | 'expires_in_months'
}

/** What is wrong with a job's dates (fields named as the API names them), or null. The preflight checks the same. */
export function datesProblem(issueDate: string, expiry: ExpiryChoice): DatesProblem | null {
  if (!isIsoDate(issueDate))
    return {
      code: 'E_INVALID_DATE',
      message: 'The issue date must be a real date (YYYY-MM-DD).',
      field: 'issued_at',
    }
  if (expiry.mode === 'date') {
    if (!isIsoDate(expiry.date))
      return {
        code: 'E_INVALID_DATE',
        message: 'The expiry date must be a real date (YYYY-MM-DD).',
        field: 'expires_at',
      }
    if (expiry.date! <= issueDate)
      return {
        code: 'E_INVALID_DATE',
        message: 'The expiry date must come after the issue date.',
        field: 'expires_at',
      }
  }
  if (
    expiry.mode === 'months' &&
    !(Number.isInteger(expiry.months) && expiry.months! >= 1 && expiry.months! <= 600)
  ) {
    return {
      code: 'E_INVALID_DATE',
      message: 'Expiry in months must be a whole number from 1 to 600.',
      field: 'expires_in_months',
    }
  }
  return null
}

/**
 * A job from 1–4 templates (each pinned to its current version) and the
 * valid rows of a recipient list, in one transaction: the job, its
 * templates, its recipients (copied, so later edits of the list do not
 * change what was issued) and its chunks. A job started now is picked up
 * by the next free worker.
 */
export default class CreateGenerationJob {
  static async handle(input: CreateGenerationJobInput): Promise<CreateGenerationJobResult> {
    const issueDate = input.issueDate?.trim() || DateTime.utc().toISODate()!
    const dates = datesProblem(issueDate, input.expiry)
    if (dates) return { kind: 'problem', problem: dates }

    const planned = await planGeneration(input.org, input.templateIds, input.importId)
    if (planned.kind !== 'ok') return planned
    const { plan } = planned

    const created = await db.transaction(async (trx) => {
      const now = DateTime.utc()
      const job = await GenerationJob.create(
        {
          organizationId: input.org.id,
          status: 'queued',
          categoryId: plan.templates[0].template.categoryId ?? plan.importJob.categoryId,
          subcategoryId: plan.templates[0].template.subcategoryId ?? plan.importJob.subcategoryId,
          importJobId: plan.importJob.id,
          source: plan.importJob.source === 'manual' ? 'manual' : 'import',
          name: input.name?.trim() || plan.importJob.fileName || null,
          issueDate,
          expiryMode: input.expiry.mode,
          expiryDate: input.expiry.mode === 'date' ? input.expiry.date! : null,
          expiryMonths: input.expiry.mode === 'months' ? input.expiry.months! : null,
          options: {
            skipped_rows: plan.skipped.errors + plan.skipped.notRecipients,
            skipped_reasons: {
              errors: plan.skipped.errors,
              not_recipients: plan.skipped.notRecipients,
            },
          },
          recipientCount: plan.recipientCount,
          templateCount: plan.templates.length,
          totalItems: plan.totalItems,
          completedItems: 0,
          failedItems: 0,
          createdBy: input.actorUserId,
          startedAt: input.start ? now : null,
        },
        { client: trx }
      )
      await trx.table('generation_job_templates').multiInsert(
        plan.templates.map(({ template, version }, position) => ({
          id: uuidv7(),
          job_id: job.id,
          organization_id: input.org.id,
          template_id: template.id,
          template_version_id: version.id,
          category_id: template.categoryId,
          subcategory_id: template.subcategoryId,
          position,
          created_at: dbTimestamp(trx, now),
        }))
      )

      // The list's valid rows, in file order, a page at a time.
      let position = 0
      let after = -1
      for (;;) {
        const rows = await trx
          .from('file_import_rows')
          .where('import_job_id', plan.importJob.id)
          .whereNull('skipped_reason')
          .where('error_count', 0)
          .where('row_index', '>', after)
          .orderBy('row_index', 'asc')
          .limit(PAGE)
          .select('id', 'row_index', 'data')
        if (rows.length === 0) break
        const stamp = dbTimestamp(trx, now)
        await bulkInsert(
          trx,
          'generation_job_recipients',
          [...RECIPIENT_COLUMNS],
          rows.map((row) => {
            const data: Record<string, string> =
              typeof row.data === 'string' ? JSON.parse(row.data) : row.data
            return {
              id: uuidv7(),
              job_id: job.id,
              position: position++,
              import_row_id: row.id,
              row_index: row.row_index,
              recipient_name: data.recipient_name ?? '',
              recipient_email: data.recipient_email || null,
              recipient_phone: data.recipient_phone || null,
              recipient_data: data,
              created_at: stamp,
            }
          })
        )
        after = Number(rows[rows.length - 1].row_index)
      }

      await enqueueChunks(
        trx,
        { id: job.id, organizationId: input.org.id, recipientCount: plan.recipientCount },
        { start: input.start, now }
      )

      await RecordAudit.handle(
        {
          action: 'generation_job.created',
          organizationId: input.org.id,
          actorUserId: input.actorUserId,
          entityType: 'generation_job',
          entityId: job.id,
          origin: input.origin,
          metadata: {
            templates: plan.templates.length,
            recipients: plan.recipientCount,
            started: input.start,
            via: input.via ?? 'web',
          },
        },
        trx
      )
      return job
    })
    if (input.start) Queue.notify()
    return { kind: 'created', job: created, plan }
  }
}
