import type { DateTime } from 'luxon'
import { column, hasMany } from '@adonisjs/lucid/orm'
import type { HasMany } from '@adonisjs/lucid/types/relations'
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

/** One bulk issuance: 1–4 templates × a recipient list (design §5.6 `certificate_generation_jobs`). */
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

  get isFinished() {
    return this.status === 'completed' || this.status === 'failed' || this.status === 'cancelled'
  }

  get percent() {
    return this.totalItems === 0
      ? 100
      : Math.floor(((this.completedItems + this.failedItems) * 100) / this.totalItems)
  }
}
