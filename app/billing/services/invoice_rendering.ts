import { type TaskOutcome, WorkerPool, siblingModule } from '#core/services/worker_pool'
import type { InvoiceDocument } from '#billing/services/invoice_pdf'

/**
 * Invoice PDFs are drawn in a small pool of worker threads (two at most, at
 * the background priority), so a billing run of thousands of invoices never
 * holds an event loop.
 */
const TASKS = siblingModule(import.meta.url, 'invoice_tasks')

let pool: WorkerPool | null = null

export function drawInvoiceInThread(document: InvoiceDocument): Promise<TaskOutcome<Uint8Array>> {
  pool ??= new WorkerPool(TASKS, { size: 2, maxHeapMb: 256, idleMs: 60_000 })
  return pool.run<Uint8Array>('drawInvoice', document, { timeoutMs: 60_000 })
}

/** Many invoices in one thread task (a billing run's batch: one message each way, not one per invoice). */
export function drawInvoicesInThread(
  documents: InvoiceDocument[]
): Promise<TaskOutcome<Uint8Array[]>> {
  pool ??= new WorkerPool(TASKS, { size: 2, maxHeapMb: 256, idleMs: 60_000 })
  return pool.run<Uint8Array[]>('drawInvoices', documents, {
    timeoutMs: 60_000 + documents.length * 1_000,
  })
}

/** For tests and shutdown. */
export async function closeInvoicePool() {
  const current = pool
  pool = null
  await current?.close()
}
