import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import { v7 as uuidv7 } from 'uuid'
import { Queue } from '#core/queue/queue'
import { amountInWords } from '#billing/services/gst'
import { renderInvoice } from '#billing/services/invoice_queue'
import type { TaxInclusiveSplit } from '#billing/services/credit_note_amounts'

/**
 * A GST document of one line whose amount includes its tax (a credit note
 * for a refund, a receipt voucher for an advance): its row and its line,
 * both from the same split (`splitTaxInclusive`), written in the caller's
 * transaction with the job that draws its PDF. Answers its id.
 */
export async function insertOneLineDocument(
  trx: TransactionClientContract,
  document: {
    organizationId: string
    kind: 'credit_note' | 'receipt_voucher'
    number: string
    originalInvoiceId: string | null
    issueDate: string
    periodStart: string | null
    periodEnd: string | null
    status: 'issued' | 'paid'
    currency: string
    /** The parties as JSON text, as printed. */
    supplier: string
    recipient: string
    placeOfSupply: string | null
    intraState: boolean
    sac: string
    amountPaise: number
    amountPaidPaise: number
    split: TaxInclusiveSplit
    line: {
      type: 'credit' | 'advance'
      description: string
      rateBasisPoints: number
      metadata: Record<string, unknown>
    }
    stamp: string
  }
) {
  const { split, stamp } = document
  const id = uuidv7()
  await trx.table('billing_invoices').insert({
    id,
    organization_id: document.organizationId,
    period_id: null,
    kind: document.kind,
    invoice_number: document.number,
    original_invoice_id: document.originalInvoiceId,
    issue_date: document.issueDate,
    due_date: null,
    period_start: document.periodStart,
    period_end: document.periodEnd,
    status: document.status,
    currency: document.currency,
    supplier: document.supplier,
    recipient: document.recipient,
    place_of_supply: document.placeOfSupply,
    intra_state: document.intraState,
    sac: document.sac,
    subtotal_paise: split.taxablePaise,
    cgst_paise: split.cgstPaise,
    sgst_paise: split.sgstPaise,
    igst_paise: split.igstPaise,
    round_off_paise: split.roundOffPaise,
    total_paise: document.amountPaise,
    amount_paid_paise: document.amountPaidPaise,
    amount_due_paise: 0,
    amount_in_words: amountInWords(document.amountPaise),
    pdf_file_id: null,
    issued_at: stamp,
    created_at: stamp,
    updated_at: stamp,
  })
  await trx.table('billing_invoice_items').insert({
    id: uuidv7(),
    invoice_id: id,
    position: 1,
    line_item_type: document.line.type,
    description: document.line.description,
    quantity: 1,
    unit_price_paise: split.taxablePaise,
    amount_paise: split.taxablePaise,
    gst_rate_basis_points: document.line.rateBasisPoints,
    cgst_paise: split.cgstPaise,
    sgst_paise: split.sgstPaise,
    igst_paise: split.igstPaise,
    total_paise: split.taxablePaise + split.cgstPaise + split.sgstPaise + split.igstPaise,
    metadata: JSON.stringify(document.line.metadata),
    created_at: stamp,
    updated_at: stamp,
  })
  await Queue.enqueue(
    trx,
    renderInvoice,
    { invoiceId: id },
    { organizationId: document.organizationId, subjectId: id }
  )
  return id
}
