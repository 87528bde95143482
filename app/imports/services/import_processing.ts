import { createHash } from 'node:crypto'
import { stripControls } from '#core/services/control_characters'
import {
  type ColumnMapping,
  IMPORT_KEYS,
  headersSignature,
  suggestMapping,
} from '#imports/services/column_mapping'
import type { DateOrder } from '#imports/services/normalise'
import {
  type RowIssue,
  type ValidationContext,
  duplicateKey,
  duplicateWarning,
  isNotARecipient,
  validateRow,
} from '#imports/services/row_validation'
import type { SourceRow } from '#imports/services/source_table'

/**
 * The whole of an import's rows through validation: each row checked,
 * duplicates marked against the first occurrence, non-recipient rows set
 * aside with the reason, and the counts the job keeps. Pure: it runs in the
 * reading thread as rows are parsed, and in worker threads when a mapping
 * changes.
 */

export interface ProcessedRow {
  rowIndex: number
  raw: string[]
  data: Record<string, string>
  errors: RowIssue[]
  warnings: RowIssue[]
  /** Same key, same recipient (see duplicateKey); null for rows with errors or no contact. */
  duplicateKey: string | null
  /**
   * Why the row is not a recipient (a total under the data, a row without name, email or phone);
   * null for recipients.
   */
  skippedReason: string | null
}

export interface ImportRules {
  requiredKeys: string[]
  dateKeys: string[]
  /** Custom keys of the chosen templates, mappable besides ours. */
  customKeys: string[]
  phoneCountry: string
  dateOrder: DateOrder
}

export interface ProcessedRows {
  rows: ProcessedRow[]
  skipped: Array<{ row_index: number; reason: string }>
  codes: Record<string, number>
  counts: { total: number; valid: number; errors: number; warnings: number }
}

export function mappableKeys(rules: Pick<ImportRules, 'customKeys'>) {
  return [
    ...Object.keys(IMPORT_KEYS),
    ...rules.customKeys.filter((key) => !Object.hasOwn(IMPORT_KEYS, key)),
  ]
}

export function headersHash(columns: string[]) {
  return createHash('sha256').update(headersSignature(columns)).digest('hex')
}

export type MappingProblem = { kind: 'bad_mapping'; message: string; field: string }

/** A mapping sent by the user or the API: every key one we know, every column one of the file's. */
export function checkMapping(
  mapping: ColumnMapping,
  columns: string[],
  rules: Pick<ImportRules, 'customKeys'>
): MappingProblem | null {
  const keys = mappableKeys(rules)
  const seen = new Map<string, string>()
  for (const [key, column] of Object.entries(mapping)) {
    if (!keys.includes(key))
      return {
        kind: 'bad_mapping',
        field: `mapping.${key}`,
        message: `“${key}” is not a key recipients can have here (${keys.join(', ')}).`,
      }
    if (typeof column !== 'string' || !columns.includes(column)) {
      return {
        kind: 'bad_mapping',
        field: `mapping.${key}`,
        message: `The file has no column “${column}” (its columns: ${columns.map((c) => `“${c}”`).join(', ')}).`,
      }
    }
    if (seen.has(column))
      return {
        kind: 'bad_mapping',
        field: `mapping.${key}`,
        message: `The column “${column}” is mapped to both ${seen.get(column)} and ${key}; a column feeds one key.`,
      }
    seen.set(column, key)
  }
  return null
}

/** The mapping for a file: the one sent, else the one remembered for these headers, else a suggestion. */
export function chooseMapping(
  columns: string[],
  rules: Pick<ImportRules, 'customKeys'>,
  choice: {
    explicit?: ColumnMapping | null
    remembered?: Array<{ hash: string; mapping: ColumnMapping }>
  }
):
  | { kind: 'chosen'; mapping: ColumnMapping; source: 'explicit' | 'remembered' | 'suggested' }
  | MappingProblem {
  if (choice.explicit) {
    const problem = checkMapping(choice.explicit, columns, rules)
    return problem ?? { kind: 'chosen', mapping: choice.explicit, source: 'explicit' }
  }
  const hash = headersHash(columns)
  const remembered = choice.remembered?.find((entry) => entry.hash === hash)
  if (remembered && !checkMapping(remembered.mapping, columns, rules))
    return { kind: 'chosen', mapping: remembered.mapping, source: 'remembered' }
  return { kind: 'chosen', mapping: suggestMapping(columns, rules.customKeys), source: 'suggested' }
}

/**
 * Validates rows one at a time, remembering what the whole import needs:
 * the first row of each recipient (for duplicates), the counts, the codes,
 * the rows set aside. Rows can be streamed through it in batches.
 */
export class RowProcessor {
  private readonly context: ValidationContext
  private readonly firstOf = new Map<string, number>()
  readonly skipped: ProcessedRows['skipped'] = []
  skippedCount = 0
  readonly codes: Record<string, number> = {}
  readonly counts = { total: 0, valid: 0, errors: 0, warnings: 0 }

  constructor(columns: string[], mapping: ColumnMapping, rules: ImportRules) {
    this.context = {
      columns,
      mapping,
      requiredKeys: rules.requiredKeys,
      dateKeys: rules.dateKeys,
      phoneCountry: rules.phoneCountry,
      dateOrder: rules.dateOrder,
    }
  }

  /** The row checked; a row that is not a recipient comes back with its reason and no checks. */
  process(source: SourceRow): ProcessedRow {
    // A NUL or an escape code is kept out of storage too: PostgreSQL refuses NUL in text.
    const row = {
      ...source,
      cells: source.cells.map((cell) => stripControls(cell, { keepLines: true })),
    }
    if (isNotARecipient(row.cells, this.context, row.formulasOnly)) {
      const reason = row.formulasOnly
        ? 'only formulas (a total or summary row)'
        : 'no name, email or phone'
      if (this.skipped.length < 100) this.skipped.push({ row_index: row.index, reason })
      this.skippedCount++
      return {
        rowIndex: row.index,
        raw: row.cells,
        data: {},
        errors: [],
        warnings: [],
        duplicateKey: null,
        skippedReason: reason,
      }
    }
    const result = validateRow(row.cells, this.context)
    const key = result.errors.length === 0 ? duplicateKey(result.data) : null
    if (key) {
      const first = this.firstOf.get(key)
      if (first === undefined) this.firstOf.set(key, row.index)
      else result.warnings.push(duplicateWarning(first))
    }
    for (const issue of result.errors) this.codes[issue.code] = (this.codes[issue.code] ?? 0) + 1
    for (const issue of result.warnings) this.codes[issue.code] = (this.codes[issue.code] ?? 0) + 1
    this.counts.total++
    if (result.errors.length) this.counts.errors++
    else this.counts.valid++
    if (result.warnings.length) this.counts.warnings++
    return {
      rowIndex: row.index,
      raw: row.cells,
      ...result,
      duplicateKey: key,
      skippedReason: null,
    }
  }
}

export function processRows(
  rows: SourceRow[],
  columns: string[],
  mapping: ColumnMapping,
  rules: ImportRules
): ProcessedRows {
  const processor = new RowProcessor(columns, mapping, rules)
  const processed: ProcessedRow[] = []
  for (const row of rows) processed.push(processor.process(row))
  return {
    rows: processed,
    skipped: processor.skipped,
    codes: processor.codes,
    counts: processor.counts,
  }
}

/** A processed row as one element of a bulk insert (see insertRowBatch): the row's columns, JSON values as JSON. */
export function rowRecordObject(row: ProcessedRow, id: string) {
  return {
    id,
    row_index: row.rowIndex,
    raw: row.raw,
    data: row.data,
    errors: row.errors,
    warnings: row.warnings,
    error_count: row.errors.length,
    warning_count: row.warnings.length,
    duplicate_key: row.duplicateKey,
    skipped_reason: row.skippedReason,
  }
}

/** A batch of rows ready for the database: one JSON document, built where the rows were checked. */
export interface RowBatch {
  json: string
  count: number
  /** How far through the file the reader is, 0–1. */
  progress: number
}

/** Up to three example values per column, for the mapping screen. */
export function sampleValues(rows: SourceRow[], columns: string[]) {
  const samples: Record<string, string[]> = {}
  columns.forEach((column, index) => {
    const values: string[] = []
    for (const row of rows) {
      const value = (row.cells[index] ?? '').trim()
      if (value && !values.includes(value))
        values.push(value.length > 60 ? `${value.slice(0, 60)}…` : value)
      if (values.length === 3) break
    }
    samples[column] = values
  })
  return samples
}
