import { column } from '@adonisjs/lucid/orm'
import { TimestampedModel } from '#core/models/app_model'
import { bigIntColumn } from '#core/models/columns'

export type BillingRefundStatus = 'pending' | 'processed' | 'failed'

/**
 * Money given back on a captured payment (`billing_refunds`), asked for
 * under our idempotency key; its credit note is issued once it is processed.
 */
export default class BillingRefund extends TimestampedModel {
  static table = 'billing_refunds'

  @column()
  declare organizationId: string

  @column()
  declare paymentId: string

  @column()
  declare razorpayRefundId: string | null

  @column()
  declare idempotencyKey: string

  @bigIntColumn()
  declare amountPaise: number

  @column()
  declare status: BillingRefundStatus

  @column()
  declare creditNoteId: string | null

  @column()
  declare reason: string

  @column()
  declare error: string | null

  @column()
  declare createdBy: string | null
}
