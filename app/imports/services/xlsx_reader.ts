import { SaxesParser, type SaxesTagPlain } from 'saxes'
import { ZipArchive, type ZipLimits, ZipProblem } from '#imports/services/zip_archive'

/**
 * Reads one sheet of an .xlsx workbook into rows of text, as a person sees
 * them in Excel: shared and inline strings, numbers as written (a phone
 * number stays 9876543210), date cells as ISO dates in the workbook's date
 * system (1900 or 1904), formula cells as their cached result, booleans and
 * errors as Excel shows them.
 *
 * Not exceljs: its streaming reader emits placeholders instead of shared
 * strings, and numbers instead of dates, when the workbook stores those
 * parts after the sheet (Google Sheets, LibreOffice and this repository's
 * own fixtures do), and its full reader needs about 450 MB for 100,000
 * rows. This reader takes each part from the ZIP (yauzl) under limits (see
 * ZipArchive) and parses its XML with saxes, which never expands DTD
 * entities (no billion laughs).
 */

export interface XlsxRow {
  /** Row number as Excel shows it (1-based). */
  index: number
  cells: string[]
  /** Every non-empty cell of the row is a formula (a total or an average under the data). */
  formulasOnly: boolean
}

export interface XlsxSheetInfo {
  name: string
  hidden: boolean
}

export class XlsxProblem extends Error {
  constructor(
    readonly code:
      'invalid_xml' | 'no_sheets' | 'unknown_sheet' | 'not_a_workbook' | ZipProblem['code'],
    message: string
  ) {
    super(message)
    this.name = 'XlsxProblem'
  }
}

const BUILTIN_DATE_FORMATS = new Set([
  14, 15, 16, 17, 18, 19, 20, 21, 22, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 45, 46, 47, 50, 51,
  52, 53, 54, 55, 56, 57, 58,
])

/** A number format that shows a date or time: d, m, y, h or s outside quoted text and [colour] sections. */
export function isDateFormatCode(code: string) {
  const bare = code
    .replace(/"[^"]*"/g, '')
    .replace(/\\./g, '')
    .replace(/\[(?!h\]|hh\]|m\]|mm\]|s\]|ss\])[^\]]*\]/gi, '')
  return /[dmyhs]/i.test(bare) && !/^general$/i.test(bare.trim())
}

/** `_x000D_` escapes of OOXML strings; `_x005F_` is a literal underscore. */
function unescapeXString(text: string) {
  return text.includes('_x')
    ? text.replace(/_x([0-9A-Fa-f]{4})_/g, (_, hex) =>
        String.fromCharCode(Number.parseInt(hex, 16))
      )
    : text
}

/**
 * A copy of a string that does not keep its source alive. The XML parser
 * hands out slices of the chunk it is parsing; a shared-strings table of
 * slices would hold every decoded chunk of the part for the whole read.
 * (Slicing a concatenation makes V8 flatten it into a string of its own.)
 */
function detached(text: string) {
  return text.length < 13 ? text : (' ' + text).slice(1)
}

function columnIndex(reference: string) {
  let index = 0
  for (let i = 0; i < reference.length; i++) {
    const code = reference.charCodeAt(i)
    if (code < 65 || code > 90) break
    index = index * 26 + (code - 64)
  }
  return index - 1
}

/** An Excel serial day as an ISO date (time kept when there is one). */
export function excelSerialToIso(serial: number, date1904: boolean) {
  if (!Number.isFinite(serial)) return null
  // 1900 system: serial 1 is 1900-01-01, and Excel counts a 29 February 1900 that never was.
  const epoch = date1904 ? Date.UTC(1904, 0, 1) : Date.UTC(1899, 11, serial < 61 ? 31 : 30)
  const ms = Math.round(serial * 86_400_000)
  const date = new Date(epoch + ms)
  const iso = date.toISOString()
  return ms % 86_400_000 === 0 ? iso.slice(0, 10) : iso.slice(0, 19)
}

type XmlHandlers = {
  open?: (tag: SaxesTagPlain) => void
  close?: (name: string) => void
  text?: (text: string) => void
}

/** A large part (shared strings) parsed as it unpacks, never held unpacked whole. */
async function parseXmlStream(chunks: AsyncIterable<Buffer>, part: string, handlers: XmlHandlers) {
  const parser = new SaxesParser()
  parser.on('error', (error) => {
    throw new XlsxProblem(
      'invalid_xml',
      `the workbook part ${part} is not valid XML (${error.message})`
    )
  })
  if (handlers.open) parser.on('opentag', handlers.open)
  if (handlers.close) parser.on('closetag', (tag) => handlers.close!(tag.name))
  if (handlers.text) parser.on('text', handlers.text)
  const decoder = new TextDecoder('utf-8')
  for await (const chunk of chunks) parser.write(decoder.decode(chunk, { stream: true }))
  parser.write(decoder.decode())
  parser.close()
}

function parseXml(bytes: Buffer, part: string, handlers: XmlHandlers) {
  const parser = new SaxesParser()
  parser.on('error', (error) => {
    throw new XlsxProblem(
      'invalid_xml',
      `the workbook part ${part} is not valid XML (${error.message})`
    )
  })
  if (handlers.open) parser.on('opentag', handlers.open)
  if (handlers.close) parser.on('closetag', (tag) => handlers.close!(tag.name))
  if (handlers.text) parser.on('text', handlers.text)
  const decoder = new TextDecoder('utf-8')
  const CHUNK = 1 << 20
  for (let at = 0; at < bytes.length; at += CHUNK) {
    parser.write(
      decoder.decode(bytes.subarray(at, at + CHUNK), { stream: at + CHUNK < bytes.length })
    )
  }
  parser.close()
}

/** Local name without a namespace prefix (`x:row` → `row`). */
const local = (name: string) => {
  const colon = name.indexOf(':')
  return colon === -1 ? name : name.slice(colon + 1)
}

function attribute(tag: SaxesTagPlain, name: string): string | undefined {
  if (name in tag.attributes) return tag.attributes[name]
  for (const [key, value] of Object.entries(tag.attributes)) if (local(key) === name) return value
  return undefined
}

function resolvePart(base: string, target: string) {
  if (target.startsWith('/')) return target.slice(1)
  const parts = base.split('/').slice(0, -1)
  for (const piece of target.split('/')) {
    if (piece === '..') parts.pop()
    else if (piece !== '.') parts.push(piece)
  }
  return parts.join('/')
}

async function relationships(zip: ZipArchive, path: string) {
  const bytes = await zip.read(path)
  const map = new Map<string, { target: string; type: string }>()
  if (!bytes) return map
  parseXml(bytes, path, {
    open: (tag) => {
      if (local(tag.name) === 'Relationship') {
        map.set(attribute(tag, 'Id') ?? '', {
          target: attribute(tag, 'Target') ?? '',
          type: attribute(tag, 'Type') ?? '',
        })
      }
    },
  })
  return map
}

async function readSharedStrings(zip: ZipArchive, path: string | null) {
  const strings: string[] = []
  if (!path || !zip.has(path)) return strings
  let current: string[] | null = null
  let inText = false
  let phonetic = 0
  await parseXmlStream(zip.stream(path), path, {
    open: (tag) => {
      const name = local(tag.name)
      if (name === 'si') current = []
      else if (name === 'rPh') phonetic++
      else if (name === 't' && current && phonetic === 0) inText = true
    },
    close: (name) => {
      const tag = local(name)
      if (tag === 't') inText = false
      else if (tag === 'rPh') phonetic--
      else if (tag === 'si' && current) {
        strings.push(detached(unescapeXString(current.join(''))))
        current = null
      }
    },
    text: (text) => {
      if (inText && current) current.push(text)
    },
  })
  return strings
}

/** For each cell style index, whether it formats numbers as dates. */
async function readDateStyles(zip: ZipArchive, path: string | null) {
  const dateStyles: boolean[] = []
  const bytes = path ? await zip.read(path) : null
  if (!bytes) return dateStyles
  const custom = new Map<number, string>()
  let inCellXfs = false
  parseXml(bytes, path!, {
    open: (tag) => {
      const name = local(tag.name)
      if (name === 'numFmt')
        custom.set(Number(attribute(tag, 'numFmtId')), attribute(tag, 'formatCode') ?? '')
      else if (name === 'cellXfs') inCellXfs = true
      else if (name === 'xf' && inCellXfs) {
        const id = Number(attribute(tag, 'numFmtId') ?? 0)
        dateStyles.push(
          custom.has(id) ? isDateFormatCode(custom.get(id)!) : BUILTIN_DATE_FORMATS.has(id)
        )
      }
    },
    close: (name) => {
      if (local(name) === 'cellXfs') inCellXfs = false
    },
  })
  return dateStyles
}

export interface XlsxOptions {
  /** Sheet name or 1-based position; the first visible sheet by default. */
  sheet?: string | number | null
  zip: ZipLimits
  /** Cells beyond this column are counted, not kept. */
  maxColumns: number
}

export interface XlsxReader {
  sheets: XlsxSheetInfo[]
  sheet: string
  date1904: boolean
  /** The sheet's rows in document order, in batches as the sheet unpacks. */
  records: AsyncGenerator<XlsxRow[]>
  /** Widest row seen so far, in columns (beyond `maxColumns` included). */
  width(): number
  /** How much of the sheet has been read, 0–1. */
  progress(): number
}

/** The sheet's XML → rows, fed in chunks; rows wait in `pending` until taken. */
class SheetParser {
  readonly pending: XlsxRow[] = []
  width = 0
  private readonly parser = new SaxesParser()
  private readonly decoder = new TextDecoder('utf-8')
  private row: XlsxRow | null = null
  private nextRowIndex = 1
  private nextColumn = 0
  private formulaCells = 0
  private valueCells = 0
  private cell: {
    column: number
    type: string
    style: number
    formula: boolean
    value: string[]
    inValue: boolean
  } | null = null

  constructor(
    part: string,
    private readonly shared: string[],
    private readonly dateStyles: boolean[],
    private readonly date1904: boolean,
    private readonly maxColumns: number
  ) {
    this.parser.on('error', (error) => {
      throw new XlsxProblem(
        'invalid_xml',
        `the workbook part ${part} is not valid XML (${error.message})`
      )
    })
    this.parser.on('opentag', (tag) => this.open(tag))
    this.parser.on('closetag', (tag) => this.close(tag.name))
    this.parser.on('text', (text) => {
      if (this.cell?.inValue) this.cell.value.push(text)
    })
  }

  write(chunk: Buffer) {
    this.parser.write(this.decoder.decode(chunk, { stream: true }))
  }

  end() {
    this.parser.write(this.decoder.decode())
    this.parser.close()
  }

  private open(tag: SaxesTagPlain) {
    const name = local(tag.name)
    if (name === 'row') {
      const r = Number(attribute(tag, 'r'))
      const index = Number.isInteger(r) && r > 0 ? r : this.nextRowIndex
      this.row = { index, cells: [], formulasOnly: false }
      this.nextRowIndex = index + 1
      this.nextColumn = 0
      this.formulaCells = 0
      this.valueCells = 0
    } else if (name === 'c' && this.row) {
      const reference = attribute(tag, 'r')
      const column = reference ? columnIndex(reference) : this.nextColumn
      this.nextColumn = column + 1
      this.cell = {
        column,
        type: attribute(tag, 't') ?? 'n',
        style: Number(attribute(tag, 's') ?? 0),
        formula: false,
        value: [],
        inValue: false,
      }
    } else if (this.cell && (name === 'v' || name === 't')) {
      this.cell.inValue = true
    } else if (this.cell && name === 'f') {
      this.cell.formula = true
    }
  }

  private close(name: string) {
    const tag = local(name)
    const { cell, row } = this
    if ((tag === 'v' || tag === 't') && cell) cell.inValue = false
    else if (tag === 'c' && cell && row) {
      const text = this.cellText(cell)
      if (text !== '') {
        this.width = Math.max(this.width, cell.column + 1)
        if (cell.column < this.maxColumns) row.cells[cell.column] = text
        this.valueCells++
        if (cell.formula) this.formulaCells++
      }
      this.cell = null
    } else if (tag === 'row' && row) {
      for (let i = 0; i < row.cells.length; i++) if (row.cells[i] === undefined) row.cells[i] = ''
      row.formulasOnly = this.valueCells > 0 && this.formulaCells === this.valueCells
      this.pending.push(row)
      this.row = null
    }
  }

  private cellText(cell: NonNullable<SheetParser['cell']>) {
    const raw = cell.value.join('')
    switch (cell.type) {
      case 's':
        return this.shared[Number(raw)] ?? ''
      case 'inlineStr':
      case 'str':
        return unescapeXString(raw)
      case 'b':
        return raw === '1' ? 'TRUE' : raw === '0' ? 'FALSE' : raw
      case 'e':
        return raw
      case 'd':
        return raw.endsWith('T00:00:00') || raw.endsWith('T00:00:00Z') ? raw.slice(0, 10) : raw
      default:
        return raw !== '' && this.dateStyles[cell.style]
          ? (excelSerialToIso(Number(raw), this.date1904) ?? raw)
          : raw
    }
  }
}

/**
 * Opens a workbook: its sheets, the chosen one, and that sheet's rows as an
 * async stream (shared strings and styles are read first, whatever their
 * place in the ZIP). Stopping the iteration stops unpacking.
 */
export async function openXlsx(input: Uint8Array, options: XlsxOptions): Promise<XlsxReader> {
  const zip = await ZipArchive.open(input, options.zip)

  const root = await relationships(zip, '_rels/.rels')
  const officeDocument = [...root.values()].find((rel) => rel.type.endsWith('/officeDocument'))
  const workbookPath = officeDocument ? resolvePart('', officeDocument.target) : 'xl/workbook.xml'
  const workbookXml = await zip.read(workbookPath)
  if (!workbookXml)
    throw new XlsxProblem('not_a_workbook', 'the file is a ZIP archive but not an Excel workbook')
  const rels = await relationships(
    zip,
    resolvePart(workbookPath, `_rels/${workbookPath.split('/').pop()}.rels`)
  )

  const sheets: Array<XlsxSheetInfo & { path: string }> = []
  let date1904 = false
  parseXml(workbookXml, workbookPath, {
    open: (tag) => {
      const name = local(tag.name)
      if (name === 'workbookPr') {
        const value = attribute(tag, 'date1904')
        date1904 = value === '1' || value === 'true'
      } else if (name === 'sheet') {
        const rel = rels.get(attribute(tag, 'id') ?? '')
        if (rel && !rel.type.endsWith('/chartsheet')) {
          const state = attribute(tag, 'state')
          sheets.push({
            name: attribute(tag, 'name') ?? `Sheet${sheets.length + 1}`,
            hidden: state === 'hidden' || state === 'veryHidden',
            path: resolvePart(workbookPath, rel.target),
          })
        }
      }
    },
  })
  if (sheets.length === 0) throw new XlsxProblem('no_sheets', 'the workbook has no worksheets')

  let chosen: (typeof sheets)[number] | undefined
  if (typeof options.sheet === 'number') chosen = sheets[options.sheet - 1]
  else if (typeof options.sheet === 'string' && options.sheet)
    chosen = sheets.find((sheet) => sheet.name === options.sheet)
  else chosen = sheets.find((sheet) => !sheet.hidden) ?? sheets[0]
  if (!chosen)
    throw new XlsxProblem(
      'unknown_sheet',
      `the workbook has no sheet “${options.sheet}” (it has ${sheets.map((s) => `“${s.name}”`).join(', ')})`
    )
  if (!zip.has(chosen.path))
    throw new XlsxProblem('not_a_workbook', `the sheet “${chosen.name}” is missing from the file`)

  const relTypes = [...rels.values()]
  const sharedPath = relTypes.find((rel) => rel.type.endsWith('/sharedStrings'))
  const stylesPath = relTypes.find((rel) => rel.type.endsWith('/styles'))
  const shared = await readSharedStrings(
    zip,
    sharedPath ? resolvePart(workbookPath, sharedPath.target) : null
  )
  const dateStyles = await readDateStyles(
    zip,
    stylesPath ? resolvePart(workbookPath, stylesPath.target) : null
  )
  const parser = new SheetParser(chosen.path, shared, dateStyles, date1904, options.maxColumns)
  const path = chosen.path

  const sheetBytes = Math.max(1, zip.sizeOf(path))
  let unpacked = 0
  async function* records(): AsyncGenerator<XlsxRow[]> {
    for await (const chunk of zip.stream(path)) {
      unpacked += chunk.length
      parser.write(chunk)
      if (parser.pending.length) yield parser.pending.splice(0)
    }
    parser.end()
    if (parser.pending.length) yield parser.pending.splice(0)
  }

  return {
    sheets: sheets.map(({ name, hidden }) => ({ name, hidden })),
    sheet: chosen.name,
    date1904,
    records: records(),
    width: () => parser.width,
    progress: () => Math.min(1, unpacked / sheetBytes),
  }
}

export { ZipProblem }
