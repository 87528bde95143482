import type { DateTime } from 'luxon'
import { column } from '@adonisjs/lucid/orm'
import { AppModel } from '#core/models/app_model'
import { jsonColumn } from '#core/models/columns'

export type ProviderEventStatus = 'received' | 'applied' | 'ignored' | 'failed'

/** A payment provider's webhook as received (`billing_provider_events`), once per event. */
export default class BillingProviderEvent extends AppModel {
  static table = 'billing_provider_events'

  @column()
  declare organizationId: string | null

  @column()
  declare provider: 'razorpay'

  @column()
  declare eventId: string

  @column()
  declare event: string

  @column()
  declare payloadHash: string

  @jsonColumn()
  declare payload: Record<string, unknown>

  @column()
  declare status: ProviderEventStatus

  @column()
  declare error: string | null

  @column.dateTime()
  declare receivedAt: DateTime

  @column.dateTime()
  declare appliedAt: DateTime | null
}
