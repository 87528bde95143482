import imports from '#config/imports'
import uploads from '#config/uploads'
import { WorkerPool, runIsolated, siblingModule } from '#core/services/worker_pool'
import type { ColumnMapping } from '#imports/services/column_mapping'
import type { ImportRules, ProcessedRows } from '#imports/services/import_processing'
import type { ReadImportInput, ReadImportOutput } from '#imports/services/import_tasks'
import type { SourceRow } from '#imports/services/source_table'

/** The web process's side of imports: files are read in a child process, stored rows re-checked in worker threads. */

const TASKS = siblingModule(import.meta.url, 'import_tasks')

let pool: WorkerPool | null = null

export function readImportFile(input: Omit<ReadImportInput, 'limits'>) {
  return runIsolated<ReadImportOutput>(
    TASKS,
    'readImport',
    { ...input, limits: { maxRows: imports.maxRows, maxColumns: imports.maxColumns, zip: imports.zip } },
    { timeoutMs: imports.processingTimeoutMs, maxHeapMb: Math.max(uploads.processingMaxHeapMb, 512), maxRssMb: Math.max(uploads.processingMaxRssMb, 900) }
  )
}

export function revalidateRows(rows: SourceRow[], columns: string[], mapping: ColumnMapping, rules: ImportRules) {
  pool ??= new WorkerPool(TASKS, { size: 2, maxHeapMb: 512, idleMs: 60_000 })
  return pool.run<ProcessedRows>('revalidate', { rows, columns, mapping, rules }, { timeoutMs: imports.processingTimeoutMs })
}
