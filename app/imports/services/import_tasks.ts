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
  chooseMapping,
  processRows,
  sampleValues,
} from '#imports/services/import_processing'
import { type SourceFormat, type SourceRow, type SourceTable, type TableLimits, type TableProblem, readSourceTable } from '#imports/services/source_table'
import { XlsxProblem } from '#imports/services/xlsx_reader'
import { ZipProblem } from '#imports/services/zip_archive'

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
    } & ProcessedRows)
  | TableProblem
  | MappingProblem
  | { kind: 'invalid_workbook'; code: string; message: string }

export const tasks = {
  readImport(input: ReadImportInput): ReadImportOutput {
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
    return {
      kind: 'ok',
      table,
      mapping: chosen.mapping,
      mappingSource: chosen.source,
      samples: sampleValues(rows, table.columns),
      ...processRows(rows, table.columns, chosen.mapping, input.rules),
    }
  },

  /** Stored rows again under a new mapping (or after an edit): the same checks as at upload. */
  revalidate(input: { rows: SourceRow[]; columns: string[]; mapping: ColumnMapping; rules: ImportRules }): ProcessedRows {
    return processRows(input.rows, input.columns, input.mapping, input.rules)
  },
}
