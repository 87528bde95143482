import type { DateTime } from 'luxon'
import { column, hasMany } from '@adonisjs/lucid/orm'
import type { HasMany } from '@adonisjs/lucid/types/relations'
import { TimestampedModel } from '#core/models/app_model'
import { bigIntColumn, booleanColumn, jsonColumn } from '#core/models/columns'
import BillingInvoiceItem from '#billing/models/billing_invoice_item'

/** The supplier or the recipient as printed on the invoice when it was issued. */
export interface InvoiceParty {
  name: string
  address_lines: string[]
  state: string | null
  state_code: string | null
  gstin: string | null
  email?: string | null
}

export type InvoiceKind = 'invoice' | 'credit_note' | 'receipt_voucher'
export type InvoiceStatus = 'issued' | 'paid' | 'partially_paid' | 'void'

/** What each kind is called in words (mails, pages). */
export const DOCUMENT_NAMES: Record<InvoiceKind, string> = {
  invoice: 'Tax invoice',
  credit_note: 'Credit note',
  receipt_voucher: 'Receipt voucher',
}

/**
 * A GST document of ours (`billing_invoices`): a tax invoice written once
 * by the billing run (`CloseBillingPeriod`) with its lines, a credit note
 * (a refund), or a receipt voucher (a top-up received); never edited, only
 * what was paid, the status and its PDF's file change afterwards.
 */
export default class BillingInvoice extends TimestampedModel {
  static table = 'billing_invoices'

  @column()
  declare organizationId: string

  @column()
  declare periodId: string | null

  @column()
  declare kind: InvoiceKind

  @column()
  declare invoiceNumber: string

  @column()
  declare originalInvoiceId: string | null

  @column()
  declare issueDate: string

  @column()
  declare dueDate: string | null

  @column()
  declare periodStart: string | null

  @column()
  declare periodEnd: string | null

  @column()
  declare status: InvoiceStatus

  @column()
  declare currency: string

  @jsonColumn()
  declare supplier: InvoiceParty

  @jsonColumn()
  declare recipient: InvoiceParty

  @column()
  declare placeOfSupply: string | null

  @booleanColumn()
  declare intraState: boolean

  @column()
  declare sac: string

  @bigIntColumn()
  declare subtotalPaise: number

  @bigIntColumn()
  declare cgstPaise: number

  @bigIntColumn()
  declare sgstPaise: number

  @bigIntColumn()
  declare igstPaise: number

  @bigIntColumn()
  declare roundOffPaise: number

  @bigIntColumn()
  declare totalPaise: number

  @bigIntColumn()
  declare amountPaidPaise: number

  @bigIntColumn()
  declare amountDuePaise: number

  @column()
  declare amountInWords: string

  @column()
  declare pdfFileId: string | null

  @column.dateTime()
  declare issuedAt: DateTime

  @hasMany(() => BillingInvoiceItem, { foreignKey: 'invoiceId' })
  declare items: HasMany<typeof BillingInvoiceItem>

  get documentName() {
    return DOCUMENT_NAMES[this.kind]
  }
}
