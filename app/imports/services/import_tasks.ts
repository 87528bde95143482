/**
 * Worker side of imports: reading a possibly hostile file runs in a child
 * process (`runIsolated`), re-validating stored rows in worker threads.
 * Plain data in, plain data out.
 */
import type { ColumnMapping } from '#imports/services/column_mapping'
import {
  type ImportRules,
  type MappingProblem,
  type ProcessedRows,
  type RowBatch,
  RowProcessor,
  chooseMapping,
  processRows,
  rowRecordObject,
  sampleValues,
} from '#imports/services/import_processing'
import { type SourceFormat, type SourceRow, type SourceTable, type TableLimits, type TableProblem, readSourceTable } from '#imports/services/source_table'
import { XlsxProblem } from '#imports/services/xlsx_reader'
import { uuid7 } from '#core/services/uuid7'
import { ZipProblem } from '#imports/services/zip_archive'

/** Rows go back to the web process in batches of this many, each written as it arrives. */
export const ROW_BATCH = 5000

export interface ReadImportInput {
  bytes: Uint8Array
  format: SourceFormat
  sheet: string | number | null
  headerRow: number | null
  limits: TableLimits
  rules: ImportRules
  mapping: { explicit: ColumnMapping | null; remembered: Array<{ hash: string; mapping: ColumnMapping }> }
}

export type ReadImportOutput =
  | ({
      kind: 'ok'
      table: Omit<SourceTable, 'rows'>
      mapping: ColumnMapping
      mappingSource: 'explicit' | 'remembered' | 'suggested'
      samples: Record<string, string[]>
    } & Omit<ProcessedRows, 'rows'>)
  | TableProblem
  | MappingProblem
  | { kind: 'invalid_workbook'; code: string; message: string }

export const tasks = {
  /** Reads the file and streams its checked rows out (`emit({ rows })`) in batches; answers the rest. */
  async readImport(input: ReadImportInput, emit: (chunk: RowBatch) => Promise<void>): Promise<ReadImportOutput> {
    let read: ReturnType<typeof readSourceTable>
    try {
      read = readSourceTable(new Uint8Array(input.bytes), { format: input.format, limits: input.limits, sheet: input.sheet, headerRow: input.headerRow })
    } catch (error) {
      if (error instanceof ZipProblem || error instanceof XlsxProblem) return { kind: 'invalid_workbook', code: error.code, message: error.message }
      throw error
    }
    if (read.kind !== 'ok') return read
    const { rows, ...table } = read.table
    const chosen = chooseMapping(table.columns, input.rules, input.mapping)
    if (chosen.kind === 'bad_mapping') return chosen
    const samples = sampleValues(rows, table.columns)
    const processor = new RowProcessor(table.columns, chosen.mapping, input.rules)
    let batch: Array<ReturnType<typeof rowRecordObject>> = []
    const send = async () => {
      const chunk: RowBatch = { json: JSON.stringify(batch), count: batch.length }
      batch = []
      await emit(chunk)
    }
    for (let i = 0; i < rows.length; i++) {
      const processed = processor.process(rows[i])
      // Each source row is let go once checked: memory stays near one batch, not the whole file twice.
      ;(rows as Array<unknown>)[i] = null
      if (processed) batch.push(rowRecordObject(processed, uuid7()))
      if (batch.length === ROW_BATCH) await send()
    }
    if (batch.length) await send()
    return {
      kind: 'ok',
      table,
      mapping: chosen.mapping,
      mappingSource: chosen.source,
      samples,
      skipped: processor.skipped,
      codes: processor.codes,
      counts: processor.counts,
    }
  },

  /** Stored rows again under a new mapping (or after an edit): the same checks as at upload. */
  revalidate(input: { rows: SourceRow[]; columns: string[]; mapping: ColumnMapping; rules: ImportRules }): ProcessedRows {
    return processRows(input.rows, input.columns, input.mapping, input.rules)
  },
}
