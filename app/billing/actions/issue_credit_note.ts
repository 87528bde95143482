import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import { DateTime } from 'luxon'
import RecordAudit from '#core/actions/record_audit'
import { dbTimestamp } from '#core/services/database_time'
import { BILLING_ZONE } from '#billing/services/billing_periods'
import { creditNoteNumber } from '#billing/services/invoice_numbers'
import { nextInSeries } from '#billing/services/invoice_counters'
import { splitTaxInclusive } from '#billing/services/credit_note_amounts'
import { insertOneLineDocument } from '#billing/services/one_line_documents'
import { supplierParty } from '#billing/actions/close_billing_period'

/**
 * The credit note of a processed refund, in the caller's transaction (the
 * one that moved the refund to `processed`, so it is issued once): numbered
 * from the org's credit note series (XEN-<CODE>-CNNNNN), against the
 * invoice the payment paid, for the refunded amount exactly, as one line
 * "Refund of payment pay_…" whose taxable value and GST are split back at
 * that invoice's rate and with its tax treatment (CGST + SGST or IGST);
 * the recipient as the invoice named it. Its PDF is drawn by the same job
 * as an invoice's. Returns its id, or null when the payment paid no
 * invoice of ours (nothing to credit).
 */
export async function issueCreditNote(
  trx: TransactionClientContract,
  input: {
    organizationId: string
    invoiceId: string | null
    razorpayPaymentId: string
    refundId: string
    amountPaise: number
    now?: DateTime
  }
) {
  if (!input.invoiceId) return null
  const now = input.now ?? DateTime.utc()
  const stamp = dbTimestamp(trx, now)
  const original = await trx.from('billing_invoices').where('id', input.invoiceId).first()
  const rate = await trx
    .from('billing_invoice_items')
    .where('invoice_id', input.invoiceId)
    .orderBy('position')
    .select('gst_rate_basis_points')
    .first()
  const org = await trx
    .from('organizations')
    .where('id', input.organizationId)
    .select('invoice_code')
    .first()
  if (!original || !rate || !org?.invoice_code) {
    throw new Error(
      `invoice ${input.invoiceId} of refund ${input.refundId} is missing its lines or its org's invoice code`
    )
  }
  const intraState = Boolean(original.intra_state)
  const rateBasisPoints = Number(rate.gst_rate_basis_points)
  const split = splitTaxInclusive(input.amountPaise, rateBasisPoints, intraState)
  const number = creditNoteNumber(
    org.invoice_code,
    await nextInSeries(trx, input.organizationId, 'credit_note', stamp)
  )
  const id = await insertOneLineDocument(trx, {
    organizationId: input.organizationId,
    kind: 'credit_note',
    number,
    originalInvoiceId: original.id,
    issueDate: now.setZone(BILLING_ZONE).toISODate()!,
    periodStart: original.period_start,
    periodEnd: original.period_end,
    status: 'issued',
    currency: original.currency,
    supplier: JSON.stringify(supplierParty()),
    recipient:
      typeof original.recipient === 'string'
        ? original.recipient
        : JSON.stringify(original.recipient),
    placeOfSupply: original.place_of_supply,
    intraState,
    sac: original.sac,
    amountPaise: input.amountPaise,
    amountPaidPaise: 0,
    split,
    line: {
      type: 'credit',
      description: `Refund of payment ${input.razorpayPaymentId}`,
      rateBasisPoints,
      metadata: { refund_id: input.refundId, payment: input.razorpayPaymentId },
    },
    stamp,
  })
  await RecordAudit.handle(
    {
      action: 'billing.credit_note_issued',
      organizationId: input.organizationId,
      entityType: 'billing_invoice',
      entityId: id,
      metadata: {
        credit_note_number: number,
        original_invoice_number: original.invoice_number,
        refund_id: input.refundId,
        total_paise: input.amountPaise,
      },
    },
    trx
  )
  return id
}
