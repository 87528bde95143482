import db from '@adonisjs/lucid/services/db'
import drive from '@adonisjs/drive/services/main'
import { defineJob } from '#core/queue/registry'
import StoreFile from '#core/actions/store_file'
import { dbTimestamp } from '#core/services/database_time'
import { storageKey } from '#core/services/storage_keys'
import BillingInvoice from '#billing/models/billing_invoice'
import { drawInvoiceInThread } from '#billing/services/invoice_rendering'
import type { InvoiceDocument } from '#billing/services/invoice_pdf'
import { recordNotices } from '#billing/services/invoice_notices'

export interface RenderInvoicePayload {
  invoiceId: string
}

/** Where an invoice's PDF is kept: `invoices/<org>/<yyyy>/<mm>/<invoice_number>.pdf` (seed 000's path). */
export function invoicePdfKey(invoice: BillingInvoice) {
  const [year, month] = invoice.issueDate.split('-')
  return storageKey({
    root: 'invoices',
    orgId: invoice.organizationId,
    parts: [year, month, `${invoice.invoiceNumber}.pdf`],
  })
}

/** What the PDF prints: the invoice's own stored lines and snapshots, never the org as it is now. */
export async function invoiceDocument(invoice: BillingInvoice): Promise<InvoiceDocument> {
  await invoice.load('items', (items) => items.orderBy('position'))
  const original = invoice.originalInvoiceId
    ? await BillingInvoice.find(invoice.originalInvoiceId)
    : null
  return {
    kind: invoice.kind,
    number: invoice.invoiceNumber,
    issueDate: invoice.issueDate,
    dueDate: invoice.dueDate,
    periodStart: invoice.periodStart,
    periodEnd: invoice.periodEnd,
    original: original ? { number: original.invoiceNumber, issueDate: original.issueDate } : null,
    supplier: invoice.supplier,
    recipient: invoice.recipient,
    placeOfSupply: invoice.placeOfSupply,
    intraState: invoice.intraState,
    sac: invoice.sac,
    lines: invoice.items.map((item) => ({
      description: item.description,
      quantity: item.quantity,
      unitPaise: item.unitPricePaise,
      taxablePaise: item.amountPaise,
      rateBasisPoints: item.gstRateBasisPoints,
      cgstPaise: item.cgstPaise,
      sgstPaise: item.sgstPaise,
      igstPaise: item.igstPaise,
      totalPaise: item.totalPaise,
    })),
    subtotalPaise: invoice.subtotalPaise,
    cgstPaise: invoice.cgstPaise,
    sgstPaise: invoice.sgstPaise,
    igstPaise: invoice.igstPaise,
    roundOffPaise: invoice.roundOffPaise,
    totalPaise: invoice.totalPaise,
    amountInWords: invoice.amountInWords,
    amountPaidPaise: invoice.amountPaidPaise,
    amountDuePaise: invoice.amountDuePaise,
  }
}

/**
 * An issued invoice's PDF: drawn in a worker thread, written to storage,
 * registered in `files` and tied to the invoice in one fenced transaction.
 * The object is written before the row that points at it; an attempt that
 * wrote it and died before its commit left it unreferenced under the same
 * key, which the next attempt deletes before writing again. The same
 * transaction records the invoice's "issued" notice, whose job mails it
 * with the PDF attached.
 */
export const renderInvoice = defineJob<RenderInvoicePayload>('billing.render_invoice', {
  async perform(job) {
    const invoice = await BillingInvoice.find(job.payload.invoiceId)
    if (!invoice || invoice.pdfFileId) return
    const outcome = await drawInvoiceInThread(await invoiceDocument(invoice))
    if (outcome.kind !== 'ok') {
      throw new Error(`invoice ${invoice.invoiceNumber} was not drawn: ${JSON.stringify(outcome)}`)
    }
    const key = invoicePdfKey(invoice)
    const registered = await db.from('files').where('path', key).select('id').first()
    if (!registered) await drive.use().delete(key)
    await db.transaction(async (trx) => {
      await job.fence(trx)
      const file =
        registered ??
        (await StoreFile.handle(
          {
            orgId: invoice.organizationId,
            kind: 'invoice_pdf',
            key,
            bytes: outcome.value,
            mime: 'application/pdf',
          },
          trx
        ))
      await trx
        .from('billing_invoices')
        .where('id', invoice.id)
        .whereNull('pdf_file_id')
        .update({ pdf_file_id: file.id, updated_at: dbTimestamp(trx) })
      // Mailed to the org's billing contacts with the PDF attached, now that it exists.
      await recordNotices(trx, invoice, 'invoice_issued')
      await job.complete(trx)
    })
  },
})
