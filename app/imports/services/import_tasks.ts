/**
 * Worker side of imports: reading a possibly hostile file and re-validating
 * stored rows, both in worker threads (see import_workers.ts). Plain data
 * in, plain data out.
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
import {
  type SourceFormat,
  type SourceRow,
  type SourceTable,
  type TableLimits,
  type TableProblem,
  TableStream,
} from '#imports/services/source_table'
import { XlsxProblem } from '#imports/services/xlsx_reader'
import { v7 as uuidv7 } from 'uuid'
import { ZipProblem } from '#imports/services/zip_archive'

/** Rows go back to the web process in batches of this many, each written as it arrives. */
export const ROW_BATCH = 2000

export interface ReadImportInput {
  bytes: Uint8Array
  format: SourceFormat
  sheet: string | number | null
  headerRow: number | null
  limits: TableLimits
  rules: ImportRules
  mapping: {
    explicit: ColumnMapping | null
    remembered: Array<{ hash: string; mapping: ColumnMapping }>
  }
}

export type ReadImportOutput =
  | ({
      kind: 'ok'
      table: SourceTable
      mapping: ColumnMapping
      mappingSource: 'explicit' | 'remembered' | 'suggested'
      samples: Record<string, string[]>
    } & Omit<ProcessedRows, 'rows'>)
  | TableProblem
  | MappingProblem
  | { kind: 'invalid_workbook'; code: string; message: string }

export const tasks = {
  /** Reads the file and streams its checked rows out (`emit({ rows })`) in batches; answers the rest. */
  async readImport(
    input: ReadImportInput,
    emit: (chunk: RowBatch) => Promise<void>
  ): Promise<ReadImportOutput> {
    try {
      const opened = await TableStream.open(new Uint8Array(input.bytes), {
        format: input.format,
        limits: input.limits,
        sheet: input.sheet,
        headerRow: input.headerRow,
      })
      if (opened.kind !== 'ok') return opened
      const { stream } = opened
      const chosen = chooseMapping(stream.columns, input.rules, input.mapping)
      if (chosen.kind === 'bad_mapping') return chosen
      const samples = sampleValues(stream.peek(), stream.columns)
      const processor = new RowProcessor(stream.columns, chosen.mapping, input.rules)
      let batch: Array<ReturnType<typeof rowRecordObject>> = []
      const send = async () => {
        const chunk: RowBatch = {
          json: JSON.stringify(batch),
          count: batch.length,
          progress: stream.progress(),
        }
        batch = []
        await emit(chunk)
      }
      for await (const rows of stream.rows()) {
        for (const row of rows) {
          batch.push(rowRecordObject(processor.process(row), uuidv7()))
          if (batch.length === ROW_BATCH) await send()
        }
      }
      if (stream.problem) return stream.problem
      if (batch.length) await send()
      return {
        kind: 'ok',
        table: {
          format: stream.format,
          encoding: stream.encoding,
          suspectMojibake: stream.suspectMojibake,
          delimiter: stream.delimiter,
          sheets: stream.sheets,
          sheet: stream.sheet,
          headerRow: stream.headerRow,
          headerDetected: stream.headerDetected,
          columns: stream.columns,
          blankRows: stream.blankRows,
        },
        mapping: chosen.mapping,
        mappingSource: chosen.source,
        samples,
        skipped: processor.skipped,
        codes: processor.codes,
        counts: processor.counts,
      }
    } catch (error) {
      if (error instanceof ZipProblem || error instanceof XlsxProblem)
        return { kind: 'invalid_workbook', code: error.code, message: error.message }
      throw error
    }
  },

  /** Stored rows again under a new mapping (or after an edit): the same checks as at upload. */
  revalidate(input: {
    rows: SourceRow[]
    columns: string[]
    mapping: ColumnMapping
    rules: ImportRules
  }): ProcessedRows {
    return processRows(input.rows, input.columns, input.mapping, input.rules)
  },
}
