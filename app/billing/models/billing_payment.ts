import type { DateTime } from 'luxon'
import { column } from '@adonisjs/lucid/orm'
import { TimestampedModel } from '#core/models/app_model'
import { bigIntColumn } from '#core/models/columns'

export type BillingPaymentStatus = 'authorized' | 'captured' | 'failed' | 'refunded'

/**
 * Where a payment stands, so events applied in any order only move it
 * forward: a failed attempt may still be authorized late (Razorpay's late
 * authorization), an authorized one captured, a captured one refunded;
 * `failed` after `captured` is ignored. `refunded` is ours to set and
 * unset (refunds asked for, less those that failed).
 */
export const PAYMENT_STATUS_RANK: Record<BillingPaymentStatus, number> = {
  failed: 1,
  authorized: 2,
  captured: 3,
  refunded: 4,
}

/** One attempt to pay a Razorpay order (`billing_payments`). */
export default class BillingPayment extends TimestampedModel {
  static table = 'billing_payments'

  @column()
  declare organizationId: string

  @column()
  declare orderId: string

  @column()
  declare razorpayPaymentId: string

  /** A top-up's receipt voucher, set once by the transaction that issues it. */
  @column()
  declare receiptVoucherId: string | null

  @bigIntColumn()
  declare amountPaise: number

  /** Refunds asked for and not failed. */
  @bigIntColumn()
  declare amountRefundedPaise: number

  @column()
  declare currency: string

  @column()
  declare status: BillingPaymentStatus

  @column()
  declare method: string | null

  @column()
  declare errorCode: string | null

  @column()
  declare errorDescription: string | null

  @column()
  declare errorReason: string | null

  /** When its invoice was credited with it (once). */
  @column.dateTime()
  declare capturedAt: DateTime | null
}
