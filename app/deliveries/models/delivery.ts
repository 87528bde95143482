import type { DateTime } from 'luxon'
import { column } from '@adonisjs/lucid/orm'
import { TimestampedModel } from '#core/models/app_model'
import { booleanColumn, jsonColumn } from '#core/models/columns'
import type { Channel } from '#deliveries/services/providers'

export type DeliveryStatus = 'queued' | 'sending' | 'completed' | 'cancelled'
/** Whom a delivery sends to: `picked` is a list of certificates (one: a resend). */
export type DeliveryAudience = 'all' | 'undelivered' | 'failed' | 'picked'

/** One request to send a generation job's certificates to their recipients (the API's `/deliveries/:id`). */
export default class Delivery extends TimestampedModel {
  static table = 'deliveries'

  @column()
  declare organizationId: string

  @column()
  declare generationJobId: string

  @column()
  declare status: DeliveryStatus

  @jsonColumn()
  declare channels: Channel[]

  @column()
  declare audience: DeliveryAudience

  /** The picked certificates (audience `picked`); null otherwise. */
  @jsonColumn()
  declare certificateIds: string[] | null

  /** A recipient whose WhatsApp message fails for good is sent an email instead. */
  @booleanColumn()
  declare fallbackToEmail: boolean

  @column()
  declare totalMessages: number

  /** Per channel, recipients given no message for lack of the address (migration 0013). */
  @jsonColumn()
  declare missingAddresses: Partial<Record<Channel, number>> | null

  @column()
  declare requestedBy: string | null

  @column()
  declare apiKeyId: string | null

  @column.dateTime()
  declare finishedAt: DateTime | null

  @column.dateTime()
  declare cancelledAt: DateTime | null
}
