import type { DateTime } from 'luxon'
import { column } from '@adonisjs/lucid/orm'
import { TimestampedModel } from '#core/models/app_model'

export type ChunkStatus = 'held' | 'queued' | 'leased' | 'done' | 'failed' | 'cancelled'

/** A range of a job's recipients, claimed and leased by one worker at a time. */
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

  @column.dateTime()
  declare doneAt: DateTime | null
}
