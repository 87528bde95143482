import type { DateTime } from 'luxon'
import { column } from '@adonisjs/lucid/orm'
import { TimestampedModel } from '#core/models/app_model'
import { jsonColumn } from '#core/models/columns'

export const QUEUE_JOB_STATES = [
  'held',
  'available',
  'executing',
  'completed',
  'failed',
  'cancelled',
] as const
export type QueueJobState = (typeof QUEUE_JOB_STATES)[number]

/** One unit of background work (see database/migrations/0009 and ARCHITECTURE.md "Queue"). */
export default class QueueJob<P = unknown> extends TimestampedModel {
  static table = 'queue_jobs'

  @column()
  declare kind: string

  @jsonColumn()
  declare payload: P

  @column()
  declare organizationId: string | null

  @column()
  declare subjectId: string | null

  @column()
  declare concurrencyKey: string | null

  @column()
  declare concurrencyLimit: number | null

  @column()
  declare state: QueueJobState

  @column()
  declare attempts: number

  @column()
  declare maxAttempts: number

  @column.dateTime()
  declare runAt: DateTime

  @column()
  declare leaseOwner: string | null

  @column()
  declare leaseToken: string | null

  @column.dateTime()
  declare leaseExpiresAt: DateTime | null

  @column()
  declare lastError: string | null

  @column.dateTime()
  declare finishedAt: DateTime | null
}
