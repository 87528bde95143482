import type { DateTime } from 'luxon'
import { column } from '@adonisjs/lucid/orm'
import { TimestampedModel } from '#core/models/app_model'
import { booleanColumn } from '#core/models/columns'
import type { MessageStatus } from '#deliveries/services/delivery_status'
import type { Channel } from '#deliveries/services/providers'
import type { MessageProvider } from '#deliveries/services/delivery_status'

/**
 * One message to one recipient on one channel, carrying all that
 * recipient's certificates of the job (`delivery_message_items`). Its
 * status only moves forward (#deliveries/services/delivery_status).
 */
export default class DeliveryMessage extends TimestampedModel {
  static table = 'delivery_messages'

  @column()
  declare organizationId: string

  @column()
  declare deliveryId: string

  @column()
  declare generationJobId: string

  /** The generation job's recipient (`generation_job_recipients`). */
  @column()
  declare recipientId: string

  @column()
  declare channel: Channel

  @column()
  declare status: MessageStatus

  @column()
  declare toEmail: string | null

  @column()
  declare toPhone: string | null

  /** The org's integration that sends it; null: the platform's own sender. */
  @column()
  declare integrationId: string | null

  @column()
  declare provider: MessageProvider

  @column()
  declare providerMessageId: string | null

  /** The same for every attempt; sent where the provider supports idempotency keys. */
  @column()
  declare idempotencyKey: string

  @column()
  declare attempts: number

  /** When a throttled or retried message may go next. */
  @column.dateTime()
  declare nextAttemptAt: DateTime | null

  /**
   * Email: whether it carries a tracking image, decided when it is first
   * handed to its provider (the org's setting then) and kept for its
   * retries; null before that, and for WhatsApp.
   */
  @booleanColumn()
  declare tracksOpens: boolean | null

  @column.dateTime()
  declare queuedAt: DateTime

  @column.dateTime()
  declare sendingAt: DateTime | null

  @column.dateTime()
  declare sentAt: DateTime | null

  @column.dateTime()
  declare deliveredAt: DateTime | null

  @column.dateTime()
  declare readAt: DateTime | null

  @column.dateTime()
  declare failedAt: DateTime | null

  @column.dateTime()
  declare suppressedAt: DateTime | null

  /** The provider's code (e.g. `131026`, `smtp_550`) or ours (`E_NO_ADDRESS`). */
  @column()
  declare errorCode: string | null

  /** The reason in words an org's staff understand. */
  @column()
  declare errorMessage: string | null

  /** The WhatsApp message this email replaces after it failed for good. */
  @column()
  declare fallbackOfMessageId: string | null
}
