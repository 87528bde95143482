import type { DateTime } from 'luxon'
import { column } from '@adonisjs/lucid/orm'
import { AppModel } from '#core/models/app_model'
import { jsonColumn } from '#core/models/columns'

export type VerificationSource = 'qr' | 'link' | 'upload' | 'api'

/** One look at a certificate's verification (design §5.6 `certificate_verification_events`). */
export default class VerificationEvent extends AppModel {
  static table = 'certificate_verification_events'

  @column()
  declare organizationId: string

  @column()
  declare certificateId: string

  @column.dateTime()
  declare scannedAt: DateTime

  @column()
  declare source: VerificationSource

  /** HMAC of the client IP: views from one address can be told apart without keeping the address. */
  @column()
  declare ipHash: string | null

  @column()
  declare userAgent: string | null

  @column()
  declare statusSnapshot: string

  @jsonColumn()
  declare metadata: Record<string, unknown>
}
