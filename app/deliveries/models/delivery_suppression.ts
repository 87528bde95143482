import type { DateTime } from 'luxon'
import { column } from '@adonisjs/lucid/orm'
import { AppModel } from '#core/models/app_model'
import type { Channel } from '#deliveries/services/providers'

export type SuppressionReason = 'hard_bounce' | 'complaint' | 'unsubscribe' | 'manual'

/**
 * An address an org must not send to on a channel. `address` is normalized
 * (#deliveries/services/delivery_status `normalizedAddress`): a lower-cased
 * email, or a phone number as digits with its country code.
 */
export default class DeliverySuppression extends AppModel {
  static table = 'delivery_suppressions'

  @column()
  declare organizationId: string

  @column()
  declare channel: Channel

  @column()
  declare address: string

  @column()
  declare reason: SuppressionReason

  @column()
  declare detail: string | null

  /** The message whose bounce, complaint or unsubscribe put it here. */
  @column()
  declare messageId: string | null

  @column()
  declare createdBy: string | null

  @column.dateTime({ autoCreate: true })
  declare createdAt: DateTime
}
