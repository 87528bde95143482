import type { DateTime } from 'luxon'
import { column } from '@adonisjs/lucid/orm'
import { AppModel } from '#core/models/app_model'
import { jsonColumn } from '#core/models/columns'
import type { Channel } from '#deliveries/services/providers'
import type { MessageProvider } from '#deliveries/services/delivery_status'

/**
 * A provider's notification, stored raw (once: `dedupe_key`) before it is
 * applied; and, `source` = `ours`, an email open seen by our tracking image.
 */
export default class DeliveryProviderWebhookEvent extends AppModel {
  static table = 'delivery_provider_webhook_events'

  @column()
  declare organizationId: string | null

  @column()
  declare integrationId: string | null

  @column()
  declare channel: Channel

  @column()
  declare provider: MessageProvider

  /** `provider`: the provider's notification; `ours`: an open our tracking image saw (actions/record_email_opens). */
  @column()
  declare source: 'provider' | 'ours'

  @column()
  declare providerMessageId: string | null

  /** The message it was matched to; null when none was (yet). */
  @column()
  declare messageId: string | null

  /** `sent`, `delivered`, `read`, `failed`, `bounced`, `complained`, `opened`, … as the provider names it. */
  @column()
  declare eventType: string

  @column()
  declare dedupeKey: string

  @jsonColumn()
  declare payload: unknown

  /** The provider's time of the event. */
  @column.dateTime()
  declare occurredAt: DateTime | null

  @column.dateTime()
  declare receivedAt: DateTime

  @column.dateTime()
  declare appliedAt: DateTime | null
}
