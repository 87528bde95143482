import type { HttpContext } from '@adonisjs/core/http'
import { sha256Hex } from '#core/actions/store_file'
import { findFileOfOrg } from '#core/queries/org_files'
import { sendDocument, sendStoredFile } from '#core/services/downloads'
import type BillingInvoice from '#billing/models/billing_invoice'
import { drawInvoiceInThread } from '#billing/services/invoice_rendering'
import { invoiceDocument } from '#billing/services/invoice_queue'

/**
 * An invoice's PDF as a download (web and API), found through its org by
 * the caller: the stored one, or, in the moments before its queue job has
 * stored it, the same document drawn now in a worker thread.
 */
export async function sendInvoicePdf(ctx: HttpContext, invoice: BillingInvoice) {
  const filename = `${invoice.invoiceNumber}.pdf`
  if (invoice.pdfFileId) {
    const file = await findFileOfOrg(invoice.organizationId, invoice.pdfFileId)
    return sendStoredFile(ctx, file, { filename })
  }
  const drawn = await drawInvoiceInThread(await invoiceDocument(invoice))
  if (drawn.kind !== 'ok') {
    throw new Error(`invoice ${invoice.invoiceNumber} could not be drawn: ${JSON.stringify(drawn)}`)
  }
  return sendDocument(ctx, drawn.value, {
    filename,
    mime: 'application/pdf',
    sha256: sha256Hex(drawn.value),
  })
}
