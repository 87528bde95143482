import db from '@adonisjs/lucid/services/db'
import { v5 as uuidv5 } from 'uuid'
import { defineJob } from '#core/queue/registry'
import type { RunningJob } from '#core/queue/running_job'
import { sha256Hex } from '#core/actions/store_file'
import { putObjects, registerFiles } from '#core/actions/store_objects'
import { dbTimestamp } from '#core/services/database_time'
import { storageKey } from '#core/services/storage_keys'
import BillingInvoice from '#billing/models/billing_invoice'
import { drawInvoicesInThread } from '#billing/services/invoice_rendering'
import type { InvoiceDocument } from '#billing/services/invoice_pdf'
import { recordIssuedNotices } from '#billing/services/invoice_notices'
import { advancesOfInvoice, advancesOfInvoices } from '#billing/services/advances'

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

/**
 * What the PDF prints: the invoice's own stored lines and snapshots, never
 * the org as it is now. `advances`: the advances that paid each invoice,
 * when the caller read them for a batch at once (`advancesOfInvoices`).
 */
export async function invoiceDocument(
  invoice: BillingInvoice,
  advances?: Map<string, InvoiceDocument['advances']>
): Promise<InvoiceDocument> {
  if (!invoice.$preloaded.items) await invoice.load('items', (items) => items.orderBy('position'))
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
    original: original
      ? { kind: original.kind, number: original.invoiceNumber, issueDate: original.issueDate }
      : null,
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
    advances:
      invoice.kind !== 'invoice'
        ? []
        : advances
          ? (advances.get(invoice.id) ?? [])
          : await advancesOfInvoice(db.connection(), invoice.id),
  }
}

/** Invoice PDFs' file ids are derived from the invoice's, so a retried job registers the same row. */
const FILE_IDS = 'f3b1c1de-3b9e-4c55-9f3e-6f8f2f1f6a01'

/**
 * Issued invoices' PDFs, a batch at a time: drawn in parallel worker
 * threads, written to storage, registered in `files` and tied to their
 * invoices in one fenced transaction, which also records each invoice's
 * "issued" notice (mailed with the PDF attached by the notice job). Objects
 * are written before the rows that point at them, at keys derived from the
 * invoice numbers: an attempt that died before its commit left objects that
 * the next attempt overwrites with the same bytes.
 */
async function renderAndStore(job: RunningJob<unknown>, invoiceIds: string[]) {
  const invoices = await BillingInvoice.query()
    .whereIn('id', invoiceIds)
    .whereNull('pdf_file_id')
    .preload('items', (items) => items.orderBy('position'))
  if (invoices.length === 0) return
  // One query for the batch's advances, not one per invoice (the run draws 10,000 a month).
  const advances = await advancesOfInvoices(
    db.connection(),
    invoices.filter((invoice) => invoice.kind === 'invoice').map((invoice) => invoice.id)
  )
  const documents = await Promise.all(invoices.map((invoice) => invoiceDocument(invoice, advances)))
  const drawn = await drawInvoicesInThreads(documents)
  const objects = invoices.map((invoice, index) => ({
    orgId: invoice.organizationId,
    key: invoicePdfKey(invoice),
    bytes: drawn[index],
  }))
  await putObjects(objects)
  await db.transaction(async (trx) => {
    await job.fence(trx)
    const files = invoices.map((invoice, index) => ({
      id: uuidv5(invoice.id, FILE_IDS),
      orgId: invoice.organizationId,
      kind: 'invoice_pdf' as const,
      key: objects[index].key,
      mime: 'application/pdf',
      size: drawn[index].byteLength,
      checksum: sha256Hex(drawn[index]),
      originalName: `${invoice.invoiceNumber}.pdf`,
    }))
    await registerFiles(trx, files)
    const stamp = dbTimestamp(trx)
    for (const [index, invoice] of invoices.entries()) {
      await trx
        .from('billing_invoices')
        .where('id', invoice.id)
        .whereNull('pdf_file_id')
        .update({ pdf_file_id: files[index].id, updated_at: stamp })
    }
    // Mailed to the org's billing contacts with the PDF attached, now that it exists.
    await recordIssuedNotices(trx, invoices)
    await job.complete(trx)
  })
}

/** Draws the documents in the invoice threads, split between them. */
async function drawInvoicesInThreads(documents: InvoiceDocument[]) {
  const halves = documents.length > 1 ? 2 : 1
  const size = Math.ceil(documents.length / halves)
  const parts = await Promise.all(
    Array.from({ length: halves }, (_, index) =>
      drawInvoicesInThread(documents.slice(index * size, (index + 1) * size))
    )
  )
  const drawn: Uint8Array[] = []
  for (const part of parts) {
    if (part.kind !== 'ok') throw new Error(`invoices were not drawn: ${JSON.stringify(part)}`)
    drawn.push(...part.value)
  }
  return drawn
}

export const renderInvoices = defineJob<{ invoiceIds: string[] }>('billing.render_invoices', {
  perform: (job) => renderAndStore(job, job.payload.invoiceIds),
})

/** One invoice's PDF (a credit note; the billing run enqueues `billing.render_invoices`). */
export const renderInvoice = defineJob<RenderInvoicePayload>('billing.render_invoice', {
  perform: (job) => renderAndStore(job, [job.payload.invoiceId]),
})
