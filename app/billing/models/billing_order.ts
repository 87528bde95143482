import { column } from '@adonisjs/lucid/orm'
import { TimestampedModel } from '#core/models/app_model'
import { bigIntColumn } from '#core/models/columns'

export type BillingOrderStatus = 'created' | 'attempted' | 'paid'

/** What an order collects: an invoice's amount due, or an advance for the prepaid balance (no invoice). */
export type BillingOrderPurpose = 'invoice' | 'top_up'

/** Razorpay's status only moves forward: an older event never takes an order back. */
export const ORDER_STATUS_RANK: Record<BillingOrderStatus, number> = {
  created: 0,
  attempted: 1,
  paid: 2,
}

/**
 * A Razorpay order (`billing_orders`): what Razorpay was asked to collect
 * for one invoice or a top-up, stored as soon as Razorpay answered and before Checkout
 * is shown. Its receipt is its own id.
 */
export default class BillingOrder extends TimestampedModel {
  static table = 'billing_orders'

  @column()
  declare organizationId: string

  @column()
  declare purpose: BillingOrderPurpose

  @column()
  declare invoiceId: string | null

  @column()
  declare razorpayOrderId: string

  @column()
  declare receipt: string

  @bigIntColumn()
  declare amountPaise: number

  @column()
  declare currency: string

  @column()
  declare status: BillingOrderStatus
}
