import db from '@adonisjs/lucid/services/db'
import { DateTime } from 'luxon'
import { v7 as uuidv7 } from 'uuid'
import razorpay from '#config/razorpay'
import { dbTimestamp } from '#core/services/database_time'
import { auditInOrg, type OrgActing } from '#orgs/actions/org_audit'
import BillingOrder from '#billing/models/billing_order'
import { razorpayClient } from '#billing/services/razorpay_account'

export type StartTopUpResult =
  | { kind: 'checkout'; order: BillingOrder; reused: boolean }
  /** No Razorpay keys: nothing can be paid online yet. */
  | { kind: 'not_configured' }
  /** Razorpay refused or could not be reached; `message` says which, in words. */
  | { kind: 'razorpay_failed'; message: string }

/**
 * Adding to the prepaid balance: a Razorpay order of purpose `top_up` (no
 * invoice) for the amount chosen (validated by the caller, GST included),
 * stored before Checkout is shown. An open top-up order of the same amount,
 * young enough for the reconciliation to watch, is used again (two clicks
 * pay once). The payment, once captured, is documented by a receipt
 * voucher and pays the org's invoices first (`issueReceiptVoucher`).
 */
export default class StartTopUp {
  static async handle(
    input: OrgActing & { amountPaise: number; now?: DateTime }
  ): Promise<StartTopUpResult> {
    if (!razorpay.configured) return { kind: 'not_configured' }
    const now = input.now ?? DateTime.utc()
    const open = await openTopUp(input.org.id, input.amountPaise, now)
    if (open) return { kind: 'checkout', order: open, reused: true }

    const id = uuidv7()
    const created = await razorpayClient().createOrder({
      amount: input.amountPaise,
      receipt: id,
      notes: { purpose: 'top_up', organization_id: input.org.id },
    })
    if (!created.ok) return { kind: 'razorpay_failed', message: created.message }
    const order = await db.transaction(async (trx) => {
      const stored = await BillingOrder.create(
        {
          id,
          organizationId: input.org.id,
          purpose: 'top_up',
          invoiceId: null,
          razorpayOrderId: created.value.id,
          receipt: id,
          amountPaise: input.amountPaise,
          currency: created.value.currency,
          status: 'created',
        },
        { client: trx }
      )
      await auditInOrg(
        trx,
        input,
        'billing.top_up_started',
        { type: 'billing_order', id },
        { razorpay_order_id: created.value.id, amount_paise: input.amountPaise }
      )
      return stored
    })
    return { kind: 'checkout', order, reused: false }
  }
}

function openTopUp(orgId: string, amountPaise: number, now: DateTime) {
  const client = db.connection()
  return BillingOrder.query({ client })
    .where('organization_id', orgId)
    .where('purpose', 'top_up')
    .whereIn('status', ['created', 'attempted'])
    .where('amount_paise', amountPaise)
    .where('created_at', '>', dbTimestamp(client, now.minus({ days: razorpay.reconcileDays })))
    .orderBy('created_at', 'asc')
    .orderBy('id', 'asc')
    .first()
}
