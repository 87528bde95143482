import Papa from 'papaparse'
import { type DecodedText, type TextEncodingName, decodeText } from '#imports/services/text_decoding'
import { type XlsxSheetInfo, readXlsx } from '#imports/services/xlsx_reader'
import type { ZipLimits } from '#imports/services/zip_archive'

/**
 * A recipient list as a table, whatever the file was: records with their
 * row number as the user sees it (Excel's row, the CSV's record), a header
 * row found (or chosen), named columns, and data rows below it. Title
 * blocks above the header, blank rows and trailing empty columns are
 * tolerated; limits on rows and columns are checked here.
 */

export type SourceFormat = 'csv' | 'xlsx'

export interface TableLimits {
  maxRows: number
  maxColumns: number
  zip: ZipLimits
}

export interface SourceRow {
  index: number
  cells: string[]
  /** A row of formulas only (a total under the data): not a recipient. */
  formulasOnly?: boolean
}

export interface SourceTable {
  format: SourceFormat
  encoding: TextEncodingName | null
  suspectMojibake: boolean
  delimiter: string | null
  sheets: XlsxSheetInfo[]
  sheet: string | null
  /** 1-based row number of the header row. */
  headerRow: number
  headerDetected: boolean
  /** Column names from the header row; unnamed columns are "Column F". */
  columns: string[]
  /** Data rows below the header, blank ones left out. */
  rows: SourceRow[]
  /** Blank rows below the header that were skipped. */
  blankRows: number
}

export type TableProblem =
  | { kind: 'empty'; message: string }
  | { kind: 'too_many_rows'; limit: number; message: string }
  | { kind: 'too_many_columns'; limit: number; found: number; message: string }
  | { kind: 'unreadable'; message: string }
  | { kind: 'header_out_of_range'; rows: number; message: string }

export const DELIMITERS = [',', ';', '\t', '|']

const DELIMITER_NAMES: Record<string, string> = { ',': 'comma', ';': 'semicolon', '\t': 'tab', '|': 'vertical bar' }

export function delimiterName(delimiter: string | null) {
  return delimiter ? (DELIMITER_NAMES[delimiter] ?? delimiter) : null
}

/** Spreadsheet column letters: 0 → A, 26 → AA. */
export function columnLetter(index: number) {
  let n = index + 1
  let out = ''
  while (n > 0) {
    const rem = (n - 1) % 26
    out = String.fromCharCode(65 + rem) + out
    n = Math.floor((n - 1) / 26)
  }
  return out
}

/** The delimiter whose split gives the most consistent number of columns (more than one) over the first lines. */
export function detectDelimiter(text: string) {
  const sample = text.slice(0, 64 * 1024)
  let best = { delimiter: ',', score: -1 }
  for (const delimiter of DELIMITERS) {
    const parsed = Papa.parse<string[]>(sample, { delimiter, preview: 60, skipEmptyLines: true })
    const widths = parsed.data.map((row) => row.length).filter((width) => width > 1)
    if (widths.length === 0) continue
    const counts = new Map<number, number>()
    for (const width of widths) counts.set(width, (counts.get(width) ?? 0) + 1)
    const [mode, modeCount] = [...counts.entries()].sort((a, b) => b[1] - a[1] || b[0] - a[0])[0]
    // Consistency first, then the share of lines it splits at all, then width.
    const score = (modeCount / parsed.data.length) * 1000 + (widths.length / parsed.data.length) * 100 + Math.min(mode, 50)
    if (score > best.score) best = { delimiter, score }
  }
  return best.delimiter
}

const isBlank = (cells: string[]) => cells.every((cell) => cell.trim() === '')
const looksLikeData = (value: string) =>
  /^[+-]?\d[\d\s.,/:-]*$/.test(value) || /@/.test(value) || /^\d{4}-\d{2}-\d{2}/.test(value)

/**
 * The header row: among the first rows, the first that fills at least half
 * of the widest row, is mostly words (not numbers, dates or emails) and is
 * not a lone title; otherwise the first non-blank row.
 */
export function detectHeaderRow(rows: SourceRow[]): SourceRow | null {
  const window = rows.slice(0, 30).filter((row) => !isBlank(row.cells))
  if (window.length === 0) return null
  const filled = (row: SourceRow) => row.cells.filter((cell) => cell.trim() !== '').length
  const widest = Math.max(...window.map(filled))
  for (const row of window) {
    const cells = row.cells.map((cell) => cell.trim()).filter(Boolean)
    if (cells.length < Math.max(2, Math.ceil(widest * 0.5))) continue
    const wordy = cells.filter((cell) => !looksLikeData(cell)).length
    if (wordy / cells.length >= 0.6) return row
  }
  return window[0]
}

/** Names for the header cells: trimmed, unique ("Email (2)"), unnamed ones "Column F". */
export function columnNames(header: string[], width: number) {
  const names: string[] = []
  const seen = new Map<string, number>()
  for (let i = 0; i < width; i++) {
    let name = (header[i] ?? '').replace(/\s+/g, ' ').trim() || `Column ${columnLetter(i)}`
    const key = name.toLowerCase()
    const count = (seen.get(key) ?? 0) + 1
    seen.set(key, count)
    if (count > 1) name = `${name} (${count})`
    names.push(name)
  }
  return names
}

export interface ReadOptions {
  format: SourceFormat
  limits: TableLimits
  sheet?: string | number | null
  /** 1-based header row chosen by the user; detected when absent. */
  headerRow?: number | null
}

function readCsvRecords(text: string, limits: TableLimits): { rows: SourceRow[]; delimiter: string; truncated: boolean } {
  const delimiter = detectDelimiter(text)
  // A few rows more than the limit: the header and a title block are above the data.
  const preview = limits.maxRows + 40
  const parsed = Papa.parse<string[]>(text, { delimiter, preview, skipEmptyLines: false, quoteChar: '"' })
  const rows = parsed.data.map((cells, i) => ({ index: i + 1, cells }))
  // A final newline leaves one empty record behind.
  while (rows.length && rows.at(-1)!.cells.length === 1 && rows.at(-1)!.cells[0] === '') rows.pop()
  return { rows, delimiter, truncated: parsed.data.length >= preview }
}

export function readSourceTable(bytes: Uint8Array, options: ReadOptions): { kind: 'ok'; table: SourceTable } | TableProblem {
  const { limits } = options
  let records: SourceRow[]
  let decoded: DecodedText | null = null
  let delimiter: string | null = null
  let sheets: XlsxSheetInfo[] = []
  let sheet: string | null = null
  let truncated: boolean
  if (options.format === 'xlsx') {
    const workbook = readXlsx(bytes, { sheet: options.sheet ?? null, zip: limits.zip, maxRows: limits.maxRows + 40, maxColumns: limits.maxColumns + 1 })
    records = workbook.rows
    sheets = workbook.sheets
    sheet = workbook.sheet
    truncated = workbook.truncated
  } else {
    decoded = decodeText(bytes)
    const csv = readCsvRecords(decoded.text, limits)
    records = csv.rows
    delimiter = csv.delimiter
    truncated = csv.truncated
  }

  // Trailing empty cells say nothing; a row's width is its last value.
  for (const record of records) {
    let end = record.cells.length
    while (end > 0 && record.cells[end - 1].trim() === '') end--
    if (end < record.cells.length) record.cells = record.cells.slice(0, end)
  }
  if (records.every((record) => isBlank(record.cells))) {
    return { kind: 'empty', message: sheet ? `The sheet “${sheet}” has no data.` : 'The file has no data.' }
  }

  let header: SourceRow | null
  if (options.headerRow) {
    header = records.find((record) => record.index === options.headerRow) ?? null
    if (!header) {
      const last = records.at(-1)?.index ?? 0
      return { kind: 'header_out_of_range', rows: last, message: `There is no row ${options.headerRow}; the ${sheet ? 'sheet' : 'file'} has ${last} rows.` }
    }
  } else {
    header = detectHeaderRow(records)!
  }
  const below = records.filter((record) => record.index > header!.index)
  const width = Math.max(header.cells.length, ...below.map((record) => record.cells.length), 0)
  if (width > limits.maxColumns) {
    return { kind: 'too_many_columns', limit: limits.maxColumns, found: width, message: `The file has ${width} columns; at most ${limits.maxColumns} are accepted.` }
  }
  const data = below.filter((record) => !isBlank(record.cells))
  if (data.length > limits.maxRows || (truncated && data.length >= limits.maxRows)) {
    return { kind: 'too_many_rows', limit: limits.maxRows, message: `The file has more than ${limits.maxRows.toLocaleString('en-IN')} recipient rows, the most one import may have. Split it into several files.` }
  }

  return {
    kind: 'ok',
    table: {
      format: options.format,
      encoding: decoded?.encoding ?? null,
      suspectMojibake: decoded?.suspectMojibake ?? false,
      delimiter,
      sheets,
      sheet,
      headerRow: header.index,
      headerDetected: !options.headerRow,
      columns: columnNames(header.cells, width),
      rows: data,
      blankRows: below.length - data.length,
    },
  }
}
