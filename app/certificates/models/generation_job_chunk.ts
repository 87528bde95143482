import type { DateTime } from 'luxon'
import { column } from '@adonisjs/lucid/orm'
import { TimestampedModel } from '#core/models/app_model'

/** 'leased' is no longer written: a chunk being issued is 'queued' here and executing in `queue_jobs`. */
export type ChunkStatus = 'held' | 'queued' | 'leased' | 'done' | 'failed' | 'cancelled'

/**
 * A range of a job's recipients: what the job page shows of it (status,
 * attempts, last error) and the block of numbers it reserved. Its work is
 * the queue job with the same id (services/generation_queue.ts), which
 * owns leasing and retries; the lease columns of this table are unused
 * since migration 0009.
 */
export default class GenerationJobChunk extends TimestampedModel {
  static table = 'generation_job_chunks'

  @column()
  declare jobId: string

  @column()
  declare organizationId: string

  @column()
  declare seq: number

  @column()
  declare firstPosition: number

  @column()
  declare endPosition: number

  @column()
  declare status: ChunkStatus

  @column()
  declare attempts: number

  @column()
  declare leaseOwner: string | null

  @column()
  declare leaseToken: string | null

  @column.dateTime()
  declare leaseExpiresAt: DateTime | null

  @column()
  declare lastError: string | null

  /** The first of the chunk's consecutive certificate numbers, reserved once; null until numbered. */
  @column({ consume: (value) => (value === null || value === undefined ? null : Number(value)) })
  declare firstNumber: number | null

  @column.dateTime()
  declare doneAt: DateTime | null
}
