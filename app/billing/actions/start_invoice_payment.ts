import db from '@adonisjs/lucid/services/db'
import type { QueryClientContract } from '@adonisjs/lucid/types/database'
import { DateTime } from 'luxon'
import { v7 as uuidv7 } from 'uuid'
import razorpay from '#config/razorpay'
import { dbTimestamp } from '#core/services/database_time'
import { auditInOrg, type OrgActing } from '#orgs/actions/org_audit'
import { recordId } from '#orgs/queries/record_id'
import BillingInvoice from '#billing/models/billing_invoice'
import BillingOrder from '#billing/models/billing_order'
import { razorpayClient } from '#billing/services/razorpay_account'

/** Razorpay takes orders of ₹1 and more. */
export const MINIMUM_ORDER_PAISE = 100

export type StartInvoicePaymentResult =
  | { kind: 'checkout'; order: BillingOrder; invoice: BillingInvoice; reused: boolean }
  | { kind: 'not_found' }
  /** No Razorpay keys: nothing can be paid online yet. */
  | { kind: 'not_configured' }
  | { kind: 'nothing_due'; invoice: BillingInvoice }
  | { kind: 'void'; invoice: BillingInvoice }
  | { kind: 'below_minimum'; invoice: BillingInvoice }
  /** Razorpay refused or could not be reached; `message` says which, in words. */
  | { kind: 'razorpay_failed'; invoice: BillingInvoice; message: string }

/**
 * Paying an invoice: the Razorpay order for what is still due, stored
 * before Checkout is shown, so whatever Razorpay later says about it
 * (webhook, callback, reconciliation) finds it. An order still `created`
 * or `attempted` for the same amount, young enough for the reconciliation
 * to watch, is used again rather than a second one made (the oldest, so
 * two clicks at once that each made one still pay the same); the order's
 * receipt is its own id.
 */
export default class StartInvoicePayment {
  static async handle(
    input: OrgActing & { invoiceId: unknown; now?: DateTime }
  ): Promise<StartInvoicePaymentResult> {
    const invoice = await BillingInvoice.query()
      .where('organization_id', input.org.id)
      .where('id', recordId(input.invoiceId))
      .where('kind', 'invoice')
      .first()
    if (!invoice) return { kind: 'not_found' }
    if (!razorpay.configured) return { kind: 'not_configured' }
    if (invoice.status === 'void') return { kind: 'void', invoice }
    const due = invoice.amountDuePaise
    if (due <= 0) return { kind: 'nothing_due', invoice }
    if (due < MINIMUM_ORDER_PAISE) return { kind: 'below_minimum', invoice }

    const now = input.now ?? DateTime.utc()
    const open = await openOrder(db.connection(), invoice.id, due, now)
    if (open) return { kind: 'checkout', order: open, invoice, reused: true }

    const id = uuidv7()
    const created = await razorpayClient().createOrder({
      amount: due,
      receipt: id,
      notes: { invoice_number: invoice.invoiceNumber, organization_id: input.org.id },
    })
    if (!created.ok) return { kind: 'razorpay_failed', invoice, message: created.message }
    return db.transaction(async (trx) => {
      // Two clicks at once each made an order: under the invoice's lock, both go to the first.
      const lock = trx.from('billing_invoices').where('id', invoice.id)
      if (trx.dialect.name === 'postgres') lock.knexQuery.forNoKeyUpdate()
      await lock.first()
      await BillingOrder.create(
        {
          id,
          organizationId: input.org.id,
          invoiceId: invoice.id,
          razorpayOrderId: created.value.id,
          receipt: id,
          amountPaise: due,
          currency: created.value.currency,
          status: 'created',
        },
        { client: trx }
      )
      await auditInOrg(
        trx,
        input,
        'billing.payment_started',
        { type: 'billing_order', id },
        {
          invoice_number: invoice.invoiceNumber,
          razorpay_order_id: created.value.id,
          amount_paise: due,
        }
      )
      const first = (await openOrder(trx, invoice.id, due, now))!
      return { kind: 'checkout' as const, order: first, invoice, reused: first.id !== id }
    })
  }
}

/** The oldest order of the invoice still open for this amount, young enough for the reconciliation to watch. */
function openOrder(
  client: QueryClientContract,
  invoiceId: string,
  amountPaise: number,
  now: DateTime
) {
  return BillingOrder.query({ client })
    .where('invoice_id', invoiceId)
    .whereIn('status', ['created', 'attempted'])
    .where('amount_paise', amountPaise)
    .where('created_at', '>', dbTimestamp(client, now.minus({ days: razorpay.reconcileDays })))
    .orderBy('created_at', 'asc')
    .orderBy('id', 'asc')
    .first()
}
