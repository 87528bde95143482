import imports from '#config/imports'
import { WorkerPool, siblingModule } from '#core/services/worker_pool'
import type { ColumnMapping } from '#imports/services/column_mapping'
import type { ImportRules, ProcessedRows, RowBatch } from '#imports/services/import_processing'
import type { ReadImportInput, ReadImportOutput } from '#imports/services/import_tasks'
import type { SourceRow } from '#imports/services/source_table'

/**
 * The web process's side of imports: a file is read in a worker thread
 * (the readers are plain JavaScript, no native decoders, so a thread's heap
 * and time limits contain a hostile file; ZIP parts are capped before
 * inflating), its rows streamed back in batches; stored rows are re-checked
 * in a shared pool.
 */

const TASKS = siblingModule(import.meta.url, 'import_tasks')

let pool: WorkerPool | null = null

let readers: WorkerPool | null = null

/**
 * Reading pool: one thread, kept warm between files; a thread that hit its
 * time or heap limit on a file is replaced, so one bad file never affects
 * the next.
 */
export function readImportFile(
  input: Omit<ReadImportInput, 'limits'>,
  onRows: (batch: RowBatch) => Promise<void>
) {
  readers ??= new WorkerPool(TASKS, { size: 1, maxHeapMb: imports.maxHeapMb, idleMs: 120_000 })
  // The file's bytes move to the thread rather than being copied: one copy in memory, not two.
  const bytes =
    input.bytes.byteOffset === 0 && input.bytes.byteLength === input.bytes.buffer.byteLength
      ? input.bytes
      : new Uint8Array(input.bytes)
  return readers.run<ReadImportOutput>(
    'readImport',
    {
      ...input,
      bytes,
      limits: { maxRows: imports.maxRows, maxColumns: imports.maxColumns, zip: imports.zip },
    },
    {
      timeoutMs: imports.processingTimeoutMs,
      onChunk: (chunk: RowBatch) => onRows(chunk),
      transfer: [bytes.buffer as ArrayBuffer],
    }
  )
}

export function revalidateRows(
  rows: SourceRow[],
  columns: string[],
  mapping: ColumnMapping,
  rules: ImportRules
) {
  pool ??= new WorkerPool(TASKS, { size: 2, maxHeapMb: 512, idleMs: 60_000 })
  return pool.run<ProcessedRows>(
    'revalidate',
    { rows, columns, mapping, rules },
    { timeoutMs: imports.processingTimeoutMs }
  )
}
