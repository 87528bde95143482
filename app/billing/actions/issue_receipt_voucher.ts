import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import { DateTime } from 'luxon'
import RecordAudit from '#core/actions/record_audit'
import { dbTimestamp } from '#core/services/database_time'
import Organization from '#orgs/models/organization'
import billing from '#config/billing'
import { BILLING_ZONE } from '#billing/services/billing_periods'
import { receiptVoucherNumber } from '#billing/services/invoice_numbers'
import { nextInSeries } from '#billing/services/invoice_counters'
import { splitTaxInclusive } from '#billing/services/credit_note_amounts'
import { insertOneLineDocument } from '#billing/services/one_line_documents'
import { applyAdvances, type AdvanceApplied } from '#billing/services/advances'
import { pricesInForce } from '#billing/queries/prices_in_force'
import { ensureInvoiceCodes } from '#billing/actions/ensure_invoice_code'
import { recipientOf, supplierParty } from '#billing/actions/close_billing_period'

/**
 * A top-up received: under GST an advance for services is taxed when it
 * is received, so it is documented by a receipt voucher (CGST Rule 50),
 * issued in the transaction that captured its payment (once: only the
 * applier that set the payment's `captured_at` calls this). Numbered from
 * the org's receipt voucher series (XEN-<CODE>-R00001), the amount paid
 * split back into its taxable value and GST at the rate in force today,
 * CGST + SGST or IGST by the org's place of supply, one line "Advance for
 * certificate services". Then the advance pays whatever the org owes
 * (`applyAdvances`), and its PDF is drawn and mailed as an invoice's is.
 */
export async function issueReceiptVoucher(
  trx: TransactionClientContract,
  input: {
    organizationId: string
    paymentId: string
    razorpayPaymentId: string
    amountPaise: number
    now?: DateTime
  }
): Promise<{ voucherId: string; number: string; applied: AdvanceApplied[] }> {
  const now = input.now ?? DateTime.utc()
  const stamp = dbTimestamp(trx, now)
  const today = now.setZone(BILLING_ZONE).toISODate()!
  const org = await Organization.findOrFail(input.organizationId, { client: trx })
  if (!org.invoiceCode) await ensureInvoiceCodes(trx, [org])
  const prices = await pricesInForce(org, today, trx)
  const recipient = recipientOf(org)
  const intraState = recipient.state_code === billing.supplier.stateCode
  const split = splitTaxInclusive(input.amountPaise, prices.gstRateBasisPoints, intraState)
  const number = receiptVoucherNumber(
    org.invoiceCode!,
    await nextInSeries(trx, org.id, 'receipt_voucher', stamp)
  )
  const id = await insertOneLineDocument(trx, {
    organizationId: org.id,
    kind: 'receipt_voucher',
    number,
    originalInvoiceId: null,
    issueDate: today,
    periodStart: null,
    periodEnd: null,
    status: 'paid',
    currency: prices.currency,
    supplier: JSON.stringify(supplierParty()),
    recipient: JSON.stringify(recipient),
    placeOfSupply: recipient.state_code,
    intraState,
    sac: billing.sac,
    amountPaise: input.amountPaise,
    amountPaidPaise: input.amountPaise,
    split,
    line: {
      type: 'advance',
      description: `Advance for certificate services, received by Razorpay payment ${input.razorpayPaymentId}`,
      rateBasisPoints: prices.gstRateBasisPoints,
      metadata: { payment: input.razorpayPaymentId },
    },
    stamp,
  })
  await trx
    .from('billing_payments')
    .where('id', input.paymentId)
    .whereNull('receipt_voucher_id')
    .update({ receipt_voucher_id: id, updated_at: stamp })
  const applied = await applyAdvances(trx, [org.id], { now })
  await RecordAudit.handle(
    {
      action: 'billing.receipt_voucher_issued',
      organizationId: org.id,
      entityType: 'billing_invoice',
      entityId: id,
      metadata: {
        receipt_voucher_number: number,
        razorpay_payment_id: input.razorpayPaymentId,
        total_paise: input.amountPaise,
        invoices_paid_paise: applied.reduce((sum, each) => sum + each.paise, 0),
      },
    },
    trx
  )
  return { voucherId: id, number, applied }
}
