import type { DateTime } from 'luxon'
import { column } from '@adonisjs/lucid/orm'
import { AppModel } from '#core/models/app_model'

/**
 * One try to hand a message to its provider. `sending` until the provider
 * answered; then `accepted` (with its message id), `transient` (retried),
 * `permanent` (the message failed) or `account` (the integration paused).
 */
export type AttemptOutcome = 'sending' | 'accepted' | 'transient' | 'permanent' | 'account'

export default class DeliveryAttempt extends AppModel {
  static table = 'delivery_attempts'

  @column()
  declare organizationId: string

  @column()
  declare messageId: string

  /** 1 for the first try. */
  @column()
  declare attempt: number

  @column()
  declare outcome: AttemptOutcome

  /** The queue worker that made it. */
  @column()
  declare worker: string | null

  @column()
  declare providerMessageId: string | null

  @column()
  declare errorCode: string | null

  @column()
  declare errorMessage: string | null

  @column.dateTime()
  declare startedAt: DateTime

  @column.dateTime()
  declare finishedAt: DateTime | null
}
