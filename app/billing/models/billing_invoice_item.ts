import { column } from '@adonisjs/lucid/orm'
import { TimestampedModel } from '#core/models/app_model'
import { bigIntColumn, jsonColumn } from '#core/models/columns'
import type { ChargeType } from '#billing/queries/period_charges'

/** One line of an invoice (`billing_invoice_items`), its tax computed per line. */
export default class BillingInvoiceItem extends TimestampedModel {
  static table = 'billing_invoice_items'

  @column()
  declare invoiceId: string

  @column()
  declare position: number

  @column()
  declare lineItemType: ChargeType

  @column()
  declare description: string

  @bigIntColumn()
  declare quantity: number

  @bigIntColumn()
  declare unitPricePaise: number

  @bigIntColumn()
  declare amountPaise: number

  @column()
  declare gstRateBasisPoints: number

  @bigIntColumn()
  declare cgstPaise: number

  @bigIntColumn()
  declare sgstPaise: number

  @bigIntColumn()
  declare igstPaise: number

  @bigIntColumn()
  declare totalPaise: number

  @jsonColumn()
  declare metadata: Record<string, unknown>
}
