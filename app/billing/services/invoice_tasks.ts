/**
 * Worker-thread side of invoices: drawing a PDF runs here (`WorkerPool`),
 * never on the event loop of a web process or a queue worker.
 */
import { type InvoiceDocument, drawInvoice } from '#billing/services/invoice_pdf'

export const tasks = {
  async drawInvoice(input: InvoiceDocument): Promise<Uint8Array> {
    return drawInvoice(input)
  },
  async drawInvoices(input: InvoiceDocument[]): Promise<Uint8Array[]> {
    const drawn: Uint8Array[] = []
    for (const document of input) drawn.push(await drawInvoice(document))
    return drawn
  },
}
