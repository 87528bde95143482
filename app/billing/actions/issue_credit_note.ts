import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import { DateTime } from 'luxon'
import { v7 as uuidv7 } from 'uuid'
import { Queue } from '#core/queue/queue'
import RecordAudit from '#core/actions/record_audit'
import { dbTimestamp } from '#core/services/database_time'
import { BILLING_ZONE } from '#billing/services/billing_periods'
import { amountInWords } from '#billing/services/gst'
import { creditNoteNumber } from '#billing/services/invoice_numbers'
import { nextInSeries } from '#billing/services/invoice_counters'
import { splitTaxInclusive } from '#billing/services/credit_note_amounts'
import { renderInvoice } from '#billing/services/invoice_queue'
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
  const lineTotal = split.taxablePaise + split.cgstPaise + split.sgstPaise + split.igstPaise
  const number = creditNoteNumber(
    org.invoice_code,
    await nextInSeries(trx, input.organizationId, 'credit_note', stamp)
  )
  const id = uuidv7()
  await trx.table('billing_invoices').insert({
    id,
    organization_id: input.organizationId,
    period_id: null,
    kind: 'credit_note',
    invoice_number: number,
    original_invoice_id: original.id,
    issue_date: now.setZone(BILLING_ZONE).toISODate(),
    due_date: null,
    period_start: original.period_start,
    period_end: original.period_end,
    status: 'issued',
    currency: original.currency,
    supplier: JSON.stringify(supplierParty()),
    recipient:
      typeof original.recipient === 'string'
        ? original.recipient
        : JSON.stringify(original.recipient),
    place_of_supply: original.place_of_supply,
    intra_state: original.intra_state,
    sac: original.sac,
    subtotal_paise: split.taxablePaise,
    cgst_paise: split.cgstPaise,
    sgst_paise: split.sgstPaise,
    igst_paise: split.igstPaise,
    round_off_paise: split.roundOffPaise,
    total_paise: input.amountPaise,
    amount_paid_paise: 0,
    amount_due_paise: 0,
    amount_in_words: amountInWords(input.amountPaise),
    pdf_file_id: null,
    issued_at: stamp,
    created_at: stamp,
    updated_at: stamp,
  })
  await trx.table('billing_invoice_items').insert({
    id: uuidv7(),
    invoice_id: id,
    position: 1,
    line_item_type: 'credit',
    description: `Refund of payment ${input.razorpayPaymentId}`,
    quantity: 1,
    unit_price_paise: split.taxablePaise,
    amount_paise: split.taxablePaise,
    gst_rate_basis_points: rateBasisPoints,
    cgst_paise: split.cgstPaise,
    sgst_paise: split.sgstPaise,
    igst_paise: split.igstPaise,
    total_paise: lineTotal,
    metadata: JSON.stringify({ refund_id: input.refundId, payment: input.razorpayPaymentId }),
    created_at: stamp,
    updated_at: stamp,
  })
  await Queue.enqueue(
    trx,
    renderInvoice,
    { invoiceId: id },
    { organizationId: input.organizationId, subjectId: id }
  )
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
