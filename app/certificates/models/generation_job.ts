import { DateTime } from 'luxon'
import { column, hasMany } from '@adonisjs/lucid/orm'
import type { HasMany } from '@adonisjs/lucid/types/relations'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import { TimestampedModel } from '#core/models/app_model'
import { jsonColumn } from '#core/models/columns'
import GenerationJobTemplate from '#certificates/models/generation_job_template'
import GenerationJobRecipient from '#certificates/models/generation_job_recipient'
import GenerationJobChunk from '#certificates/models/generation_job_chunk'

export const JOB_STATUSES = ['queued', 'processing', 'completed', 'failed', 'cancelled'] as const
export type JobStatus = (typeof JOB_STATUSES)[number]

export type ExpiryMode = 'none' | 'date' | 'months'

export interface JobOptions {
  /** Rows of the import that were left out, and why (preflight's numbers at creation). */
  skipped_rows?: number
  skipped_reasons?: Record<string, number>
}

export class IllegalJobTransition extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'IllegalJobTransition'
  }
}

/**
 * One bulk issuance: 1–4 templates × a recipient list (design §5.6
 * `certificate_generation_jobs`). Its status changes only through the
 * methods below, each refusing what is not legal from where the job is:
 *
 *   queued ──begin──▶ processing ──finish──▶ completed | failed
 *     └─────────────┴──cancel──▶ cancelled          failed ──reopen──▶ processing
 *
 * (`start` leaves the status queued: it only lets a job created to start
 * later be claimed.)
 */
export default class GenerationJob extends TimestampedModel {
  static table = 'certificate_generation_jobs'

  @column()
  declare organizationId: string

  @column()
  declare status: JobStatus

  @column()
  declare categoryId: string | null

  @column()
  declare subcategoryId: string | null

  @column()
  declare importJobId: string | null

  @column()
  declare source: 'import' | 'manual'

  @column()
  declare name: string | null

  /** The issue date printed when a recipient's row has none (YYYY-MM-DD). */
  @column()
  declare issueDate: string

  @column()
  declare expiryMode: ExpiryMode

  @column()
  declare expiryDate: string | null

  @column()
  declare expiryMonths: number | null

  @jsonColumn()
  declare options: JobOptions

  @column()
  declare recipientCount: number

  @column()
  declare templateCount: number

  /** recipients × templates */
  @column()
  declare totalItems: number

  @column()
  declare completedItems: number

  @column()
  declare failedItems: number

  @column()
  declare failureMessage: string | null

  @column()
  declare exportFileId: string | null

  @column.dateTime()
  declare exportBuiltAt: DateTime | null

  @column()
  declare createdBy: string | null

  /** Null while the job waits to be started (created with "start later"). */
  @column.dateTime()
  declare startedAt: DateTime | null

  @column.dateTime()
  declare finishedAt: DateTime | null

  @column.dateTime()
  declare cancelledAt: DateTime | null

  @hasMany(() => GenerationJobTemplate, { foreignKey: 'jobId' })
  declare templates: HasMany<typeof GenerationJobTemplate>

  @hasMany(() => GenerationJobRecipient, { foreignKey: 'jobId' })
  declare recipients: HasMany<typeof GenerationJobRecipient>

  @hasMany(() => GenerationJobChunk, { foreignKey: 'jobId' })
  declare chunks: HasMany<typeof GenerationJobChunk>

  /**
   * The job's row in the caller's transaction, locked against other writers
   * on PostgreSQL. NO KEY UPDATE, not UPDATE: the certificates a chunk
   * inserts hold KEY SHARE locks on the job row (their foreign key), and two
   * chunks finishing at once would deadlock on FOR UPDATE.
   */
  static lockedForUpdate(trx: TransactionClientContract, id: string) {
    const query = this.query({ client: trx }).where('id', id)
    if (trx.dialect.name === 'postgres') query.knexQuery.forNoKeyUpdate()
    return query.first()
  }

  /** Why `start` is refused now, or null. */
  get startRefusal() {
    return this.startedAt || this.status !== 'queued' ? 'This job has already been started.' : null
  }

  /** A job created to start later may now be claimed. */
  start() {
    this.refuse(this.startRefusal)
    this.startedAt = DateTime.utc()
  }

  /** Its first chunk was numbered. */
  begin() {
    if (this.status === 'queued') this.status = 'processing'
  }

  get cancelRefusal() {
    if (!this.isFinished) return null
    return this.status === 'cancelled'
      ? 'This job is already cancelled.'
      : 'This job has finished; there is nothing left to cancel.'
  }

  cancel() {
    this.refuse(this.cancelRefusal)
    this.status = 'cancelled'
    this.cancelledAt = DateTime.utc()
    this.finishedAt = DateTime.utc()
  }

  /**
   * No chunk is left to run: completed, or failed when some certificates
   * could not be generated. A cancelled job stays so.
   */
  finish(failedItems: number) {
    if (this.status === 'cancelled') return
    this.status = failedItems > 0 ? 'failed' : 'completed'
    this.finishedAt ??= DateTime.utc()
    this.failureMessage =
      failedItems > 0
        ? `${failedItems} certificate${failedItems === 1 ? '' : 's'} could not be generated.`
        : null
  }

  /** Its failed chunks go back to the queue. */
  reopen() {
    if (this.status === 'completed')
      throw new IllegalJobTransition('A completed job has nothing to retry.')
    this.status = 'processing'
    this.finishedAt = null
    this.failureMessage = null
  }

  private refuse(refusal: string | null) {
    if (refusal) throw new IllegalJobTransition(refusal)
  }

  get isFinished() {
    return this.status === 'completed' || this.status === 'failed' || this.status === 'cancelled'
  }

  get percent() {
    return this.totalItems === 0
      ? 100
      : Math.floor(((this.completedItems + this.failedItems) * 100) / this.totalItems)
  }
}
