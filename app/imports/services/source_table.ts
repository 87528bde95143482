import { isUtf8 } from 'node:buffer'
import Papa from 'papaparse'
import { type TextEncodingName, decodeText, textDecoderFor } from '#imports/services/text_decoding'
import { type XlsxSheetInfo, openXlsx } from '#imports/services/xlsx_reader'
import type { ZipLimits } from '#imports/services/zip_archive'
import { formatNumber } from '#core/services/formatting'

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

/** How a file was read: what the job records about its shape. */
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

const DELIMITER_NAMES: Record<string, string> = {
  ',': 'comma',
  ';': 'semicolon',
  '\t': 'tab',
  '|': 'vertical bar',
}

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
    const score =
      (modeCount / parsed.data.length) * 1000 +
      (widths.length / parsed.data.length) * 100 +
      Math.min(mode, 50)
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

/** The newline a text uses: CRLF (Excel on Windows), CR (old Macs) or LF. */
function detectNewline(sample: string) {
  const crlf = sample.indexOf('\r\n')
  const lf = sample.indexOf('\n')
  const cr = sample.indexOf('\r')
  if (crlf !== -1 && crlf <= lf) return '\r\n'
  if (cr !== -1 && (lf === -1 || cr < lf)) return '\r'
  return '\n'
}

/** How the bytes of a text file decode: chosen from the whole file, never guessed halfway. */
function textEncoding(bytes: Uint8Array): { encoding: TextEncodingName; skip: number } {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf)
    return { encoding: 'utf-8-bom', skip: 3 }
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return { encoding: 'utf-16le', skip: 2 }
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return { encoding: 'utf-16be', skip: 2 }
  const sniffed = decodeText(bytes.subarray(0, 4096))
  if (sniffed.encoding === 'utf-16le' || sniffed.encoding === 'utf-16be')
    return { encoding: sniffed.encoding, skip: 0 }
  return { encoding: isUtf8(bytes) ? 'utf-8' : 'windows-1252', skip: 0 }
}

const CHUNK_BYTES = 256 * 1024

/** CSV records, decoded and parsed in chunks: the file is never held as one string. */
async function* csvRecords(
  bytes: Uint8Array,
  encoding: TextEncodingName,
  skip: number,
  delimiter: string,
  newline: string,
  onText: (text: string) => void,
  onBytes: (end: number) => void
): AsyncGenerator<string[][]> {
  const decoder = textDecoderFor(encoding)
  const parser = new Papa.Parser({ delimiter, newline, quoteChar: '"' } as Papa.ParseConfig)
  let pending = ''
  for (let at = skip; at < bytes.length; at += CHUNK_BYTES) {
    const end = Math.min(bytes.length, at + CHUNK_BYTES)
    onBytes(end)
    const text = decoder.decode(bytes.subarray(at, end), { stream: end < bytes.length })
    onText(text)
    pending += text
    const result = parser.parse(pending, 0, end < bytes.length) as Papa.ParseResult<string[]>
    pending = pending.slice(result.meta.cursor)
    if (result.data.length) yield result.data
  }
}

/**
 * A table read as a stream: `open` reads just far enough to find the header
 * (the first 30 non-blank rows), then `rows()` yields the data rows in
 * batches while the rest of the file is read. Limits are checked as rows
 * come: the stream ends with a TableProblem the moment one is crossed.
 */
export class TableStream {
  /** Rows read while looking for the header, handed out first. */
  private buffered: SourceRow[] = []
  private exhausted = false
  private dataRows = 0
  blankRows = 0
  suspectMojibake = false
  problem: TableProblem | null = null

  private constructor(
    readonly format: SourceFormat,
    readonly encoding: TextEncodingName | null,
    readonly delimiter: string | null,
    readonly sheets: XlsxSheetInfo[],
    readonly sheet: string | null,
    private readonly source: AsyncGenerator<SourceRow[]>,
    private readonly widthOf: () => number,
    /** How much of the file has been read, 0–1. */
    readonly progress: () => number,
    private readonly limits: TableLimits,
    public headerRow: number,
    public headerDetected: boolean,
    public columns: string[]
  ) {}

  static async open(
    bytes: Uint8Array,
    options: ReadOptions
  ): Promise<{ kind: 'ok'; stream: TableStream } | TableProblem> {
    const { limits } = options
    let source: AsyncGenerator<SourceRow[]>
    let encoding: TextEncodingName | null = null
    let delimiter: string | null = null
    let sheets: XlsxSheetInfo[] = []
    let sheet: string | null = null
    let widthOf = () => 0
    let progress = () => 1
    let mojibake = false
    if (options.format === 'xlsx') {
      const workbook = await openXlsx(bytes, {
        sheet: options.sheet ?? null,
        zip: limits.zip,
        maxColumns: limits.maxColumns + 1,
      })
      sheets = workbook.sheets
      sheet = workbook.sheet
      widthOf = workbook.width
      progress = workbook.progress
      source = workbook.records
    } else {
      const chosen = textEncoding(bytes)
      encoding = chosen.encoding
      const head = textDecoderFor(encoding).decode(
        bytes.subarray(chosen.skip, chosen.skip + 64 * 1024)
      )
      delimiter = detectDelimiter(head)
      const newline = detectNewline(head)
      let index = 0
      let widest = 0
      let consumed = 0
      const records = csvRecords(
        bytes,
        encoding,
        chosen.skip,
        delimiter,
        newline,
        (text) => {
          if (!mojibake && decodeText(Buffer.from(text.slice(0, 200_000))).suspectMojibake)
            mojibake = true
        },
        (end) => {
          consumed = end
        }
      )
      progress = () => (bytes.length ? consumed / bytes.length : 1)
      widthOf = () => widest
      source = (async function* () {
        for await (const batch of records) {
          yield batch.map((cells) => {
            widest = Math.max(widest, cells.length)
            return { index: ++index, cells }
          })
        }
      })()
    }

    // Rows until the header can be told: 30 non-blank ones, or the end.
    const buffered: SourceRow[] = []
    let nonBlank = 0
    let done = false
    while (
      nonBlank < 30 &&
      !(options.headerRow && buffered.some((row) => row.index >= options.headerRow!))
    ) {
      const next = await source.next()
      if (next.done) {
        done = true
        break
      }
      for (const row of next.value) {
        trimTrailing(row)
        buffered.push(row)
        if (!isBlank(row.cells)) nonBlank++
      }
    }
    if (buffered.every((row) => isBlank(row.cells))) {
      return {
        kind: 'empty',
        message: sheet ? `The sheet “${sheet}” has no data.` : 'The file has no data.',
      }
    }
    let header: SourceRow | null
    if (options.headerRow) {
      header = buffered.find((row) => row.index === options.headerRow) ?? null
      if (!header) {
        const last = buffered.at(-1)?.index ?? 0
        return {
          kind: 'header_out_of_range',
          rows: last,
          message: `There is no row ${options.headerRow}; the ${sheet ? 'sheet' : 'file'} has ${done ? last : 'fewer'} rows${done ? '' : ' there'}.`,
        }
      }
    } else {
      header = detectHeaderRow(buffered)!
    }
    const below = buffered.filter((row) => row.index > header!.index)
    const width = Math.max(header.cells.length, ...below.map((row) => row.cells.length))
    const stream = new TableStream(
      options.format,
      encoding,
      delimiter,
      sheets,
      sheet,
      source,
      widthOf,
      progress,
      limits,
      header.index,
      !options.headerRow,
      columnNames(header.cells, width)
    )
    stream.buffered = below
    stream.exhausted = done
    stream.suspectMojibake = mojibake
    return { kind: 'ok', stream }
  }

  /** The first data rows (read while looking for the header), for samples. */
  peek() {
    return this.buffered.filter((row) => !isBlank(row.cells))
  }

  /** Data rows in batches; blank ones are counted and left out. Ends early, with `problem` set, at a limit. */
  async *rows(): AsyncGenerator<SourceRow[]> {
    const take = (batch: SourceRow[]): SourceRow[] | null => {
      const out: SourceRow[] = []
      for (const row of batch) {
        trimTrailing(row)
        if (row.cells.length > this.limits.maxColumns || this.widthOf() > this.limits.maxColumns) {
          const found = Math.max(row.cells.length, this.widthOf())
          this.problem = {
            kind: 'too_many_columns',
            limit: this.limits.maxColumns,
            found,
            message: `The file has ${found} columns; at most ${this.limits.maxColumns} are accepted.`,
          }
          return null
        }
        if (isBlank(row.cells)) {
          this.blankRows++
          continue
        }
        if (row.cells.length > this.columns.length)
          this.columns = columnNames(this.columns, row.cells.length)
        if (++this.dataRows > this.limits.maxRows) {
          this.problem = {
            kind: 'too_many_rows',
            limit: this.limits.maxRows,
            message: `The file has more than ${formatNumber(this.limits.maxRows)} recipient rows, the most one import may have. Split it into several files.`,
          }
          return null
        }
        out.push(row)
      }
      return out
    }
    const first = take(this.buffered)
    this.buffered = []
    if (!first) return
    if (first.length) yield first
    if (this.exhausted) return
    for await (const batch of this.source) {
      const rows = take(batch)
      if (!rows) {
        await this.source.return(undefined)
        return
      }
      if (rows.length) yield rows
    }
  }
}

function trimTrailing(row: SourceRow) {
  let end = row.cells.length
  while (end > 0 && row.cells[end - 1].trim() === '') end--
  if (end < row.cells.length) row.cells = row.cells.slice(0, end)
}
