import db from '@adonisjs/lucid/services/db'
import { DateTime } from 'luxon'
import RecordAudit, { type AuditInput } from '#core/actions/record_audit'
import { bulkInsert } from '#core/services/bulk_insert'
import { v7 as uuidv7 } from 'uuid'
import type Organization from '#orgs/models/organization'
import GenerationJob from '#certificates/models/generation_job'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import CreateManualImport, { manualColumns } from '#imports/actions/create_manual_import'
import AddImportRows from '#imports/actions/add_import_rows'
import { unhandled } from '#core/services/exhaustive'
import {
  type GenerationPlan,
  type PlanProblem,
  planGeneration,
} from '#certificates/queries/generation_plan'
import { type ExpiryChoice, isIsoDate } from '#certificates/services/issuance_rows'
import { enqueueChunks } from '#certificates/services/generation_queue'
import { Queue } from '#core/queue/queue'
import { dbTimestamp } from '#core/services/database_time'
import {
  type IssuingAllowance,
  type IssuingRefusal,
  issuingAllowance,
  issuingRefusal,
} from '#certificates/queries/issuing_allowance'

interface JobChoices {
  org: Organization
  templateIds: string[]
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

/** Who receives: the valid rows of a recipient list, or people sent with the job (they become a list of their own). */
type RecipientSource =
  | { importId: string; recipients?: undefined }
  | { importId?: undefined; recipients: InlineRecipient[] }

/** One person sent with the job, by key (`recipient_name`, `recipient_email`, the templates' own keys). */
export type InlineRecipient = Record<string, unknown>

export type CreateGenerationJobInput = JobChoices & RecipientSource

/** A recipient sent with the job that cannot be issued: `row` is its index in what was sent. */
export type RecipientProblem = { code: string; message: string; field: string; row?: number }

export type CreateGenerationJobResult =
  | { kind: 'created'; job: GenerationJob; plan: GenerationPlan }
  | { kind: 'problem'; problem: PlanProblem | DatesProblem | ListProblem }
  | { kind: 'recipients_refused'; errors: RecipientProblem[] }
  | { kind: 'billing_refused'; refusal: IssuingRefusal }

/** What a dry run answers: what the job would issue and what the trial covers, or why it cannot be created. */
export type DryRunResult =
  | { kind: 'dry_run'; plan: GenerationPlan; allowance: IssuingAllowance }
  | Exclude<CreateGenerationJobResult, { kind: 'created' | 'billing_refused' }>

type Outcome = CreateGenerationJobResult | DryRunResult

type ListProblem =
  | { code: 'E_UNKNOWN_TEMPLATE'; message: string; field: 'template_ids' }
  | { code: 'E_VALIDATION'; message: string; field: 'category_key' }

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

/** Leaves the transaction with a refusal (or a dry run's answer) instead of an error: nothing it wrote is kept. */
class Refused extends Error {
  constructor(readonly result: Exclude<Outcome, { kind: 'created' }>) {
    super(result.kind)
  }
}

/**
 * A job from 1–4 templates (each pinned to its current version) and the
 * valid rows of a recipient list, in one transaction: the list itself when
 * the recipients come with the job (its import and rows, checked as any
 * list's), the job, its templates, its recipients (copied, so later edits
 * of the list do not change what was issued) and its chunks. A failure at
 * any step leaves none of them. A job started now is picked up by the next
 * free worker.
 */
export default class CreateGenerationJob {
  static handle(
    input: JobChoices & { importId: string }
  ): Promise<Exclude<CreateGenerationJobResult, { kind: 'recipients_refused' }>>
  static handle(input: CreateGenerationJobInput): Promise<CreateGenerationJobResult>
  static async handle(input: CreateGenerationJobInput): Promise<CreateGenerationJobResult> {
    return (await this.#run(input, false)) as CreateGenerationJobResult
  }

  /**
   * Checks and counts everything as `handle` would (the people sent with the
   * job included, as a list rolled back), answers what it would issue and
   * what the trial covers (the API's `dry_run`), and keeps nothing.
   */
  static async dryRun(input: CreateGenerationJobInput): Promise<DryRunResult> {
    return (await this.#run(input, true)) as DryRunResult
  }

  static async #run(input: CreateGenerationJobInput, dryRun: boolean): Promise<Outcome> {
    const issueDate = input.issueDate?.trim() || DateTime.utc().toISODate()!
    const dates = datesProblem(issueDate, input.expiry)
    if (dates) return { kind: 'problem', problem: dates }
    const refusal = issuingRefusal(input.org)
    if (refusal && !dryRun) return { kind: 'billing_refused', refusal }

    // An existing list is planned before the transaction, whose first statement is then a write
    // (on SQLite a transaction that reads first may fail to take the write lock later).
    let listPlan: GenerationPlan | null = null
    if (input.recipients === undefined) {
      const planned = await planGeneration(input.org, input.templateIds, input.importId)
      if (planned.kind !== 'ok') return planned
      listPlan = planned.plan
      if (dryRun) {
        const allowance = await issuingAllowance(input.org, listPlan.totalItems)
        return { kind: 'dry_run', plan: listPlan, allowance }
      }
    }

    try {
      const created = await db.transaction(async (trx) => {
        const plan = input.recipients === undefined ? listPlan! : await planInlineList(trx, input)
        // The checks that depend on the job's size (a spend cap) run once it is known.
        const allowance = await issuingAllowance(input.org, plan.totalItems, { client: trx })
        if (dryRun) {
          // The people sent with it were checked as a list of their own: counted, then rolled back.
          throw new Refused({ kind: 'dry_run', plan, allowance })
        }
        if (allowance.refusal) {
          throw new Refused({ kind: 'billing_refused', refusal: allowance.refusal })
        }
        return { job: await this.createJob(trx, input, issueDate, plan), plan }
      })
      if (input.start) Queue.notify()
      return { kind: 'created', ...created }
    } catch (error) {
      if (error instanceof Refused) return error.result
      throw error
    }
  }

  private static async createJob(
    trx: TransactionClientContract,
    input: CreateGenerationJobInput,
    issueDate: string,
    plan: GenerationPlan
  ) {
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
  }
}

/**
 * The people sent with a job become a list typed by hand (an import with
 * its rows, checked like any list's), written in the job's transaction;
 * any person who cannot be issued refuses the whole job.
 */
async function planInlineList(
  trx: TransactionClientContract,
  input: JobChoices & { recipients: InlineRecipient[] }
): Promise<GenerationPlan> {
  const audit = { actorUserId: input.actorUserId, origin: input.origin, via: input.via }
  const created = await CreateManualImport.handle(
    {
      org: input.org,
      name: input.name ?? 'API recipients',
      templateIds: input.templateIds,
      ...audit,
    },
    trx
  )
  switch (created.kind) {
    case 'created':
      break
    case 'unknown_templates':
      throw new Refused({
        kind: 'problem',
        problem: {
          code: 'E_UNKNOWN_TEMPLATE',
          message: `There is no template ${created.ids[0]} in this organization.`,
          field: 'template_ids',
        },
      })
    case 'unknown_category':
    case 'unknown_subcategory':
    case 'subcategory_without_category':
      throw new Refused({
        kind: 'problem',
        problem: {
          code: 'E_VALIDATION',
          message: 'The category is not valid.',
          field: 'category_key',
        },
      })
    default:
      return unhandled(created)
  }
  const labels = manualColumns(created.job.summary.custom_keys ?? [])
  const added = await AddImportRows.handle(
    {
      org: input.org,
      importId: created.job.id,
      rows: input.recipients.map((recipient) => {
        const values: Record<string, string> = {}
        for (const [key, value] of Object.entries(recipient)) {
          if (value === null || value === undefined) continue
          values[Object.hasOwn(labels, key) ? labels[key] : key] = String(value)
        }
        return values
      }),
      ...audit,
    },
    trx
  )
  const errors: RecipientProblem[] = input.recipients
    .flatMap((recipient, row) =>
      Object.keys(recipient)
        .filter((key) => !Object.hasOwn(labels, key))
        .map((key) => ({ key, row }))
    )
    .slice(0, 20)
    .map(({ key, row }) => ({
      code: 'E_UNKNOWN_KEY',
      message: `recipients[${row}].${key} is not a key of the chosen templates.`,
      field: `recipients.${row}.${key}`,
      row,
    }))
  const bad = added.kind === 'added' ? added.rows.filter((row) => row.errorCount > 0) : []
  for (const row of bad.slice(0, 100)) {
    const index = row.rowIndex - 1
    for (const issue of row.errors)
      errors.push({
        code: issue.code,
        message: `recipients[${index}]: ${issue.message}`,
        field: `recipients.${index}.${issue.field}`,
        row: index,
      })
  }
  if (added.kind !== 'added' && errors.length === 0)
    errors.push({
      code: 'E_VALIDATION',
      message: 'The recipients could not be added.',
      field: 'recipients',
    })
  if (errors.length) throw new Refused({ kind: 'recipients_refused', errors })

  const planned = await planGeneration(input.org, input.templateIds, created.job.id, trx)
  if (planned.kind !== 'ok') throw new Refused(planned)
  return planned.plan
}
