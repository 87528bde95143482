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
 * rows. This reader takes each part from the ZIP under limits (see
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

export interface XlsxResult {
  sheets: XlsxSheetInfo[]
  sheet: string
  rows: XlsxRow[]
  date1904: boolean
  /** Stopped reading after `maxRows` rows. */
  truncated: boolean
  /** Widest row seen, in columns. */
  width: number
}

export class XlsxProblem extends Error {
  constructor(
    readonly code: 'invalid_xml' | 'no_sheets' | 'unknown_sheet' | 'not_a_workbook' | ZipProblem['code'],
    message: string
  ) {
    super(message)
    this.name = 'XlsxProblem'
  }
}

const BUILTIN_DATE_FORMATS = new Set([14, 15, 16, 17, 18, 19, 20, 21, 22, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 45, 46, 47, 50, 51, 52, 53, 54, 55, 56, 57, 58])

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
  return text.includes('_x') ? text.replace(/_x([0-9A-Fa-f]{4})_/g, (_, hex) => String.fromCharCode(Number.parseInt(hex, 16))) : text
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

function parseXml(bytes: Buffer, part: string, handlers: { open?: (tag: SaxesTagPlain) => void; close?: (name: string) => void; text?: (text: string) => void }) {
  const parser = new SaxesParser()
  parser.on('error', (error) => {
    throw new XlsxProblem('invalid_xml', `the workbook part ${part} is not valid XML (${error.message})`)
  })
  if (handlers.open) parser.on('opentag', handlers.open)
  if (handlers.close) parser.on('closetag', (tag) => handlers.close!(tag.name))
  if (handlers.text) parser.on('text', handlers.text)
  const decoder = new TextDecoder('utf-8')
  const CHUNK = 1 << 20
  for (let at = 0; at < bytes.length; at += CHUNK) {
    parser.write(decoder.decode(bytes.subarray(at, at + CHUNK), { stream: at + CHUNK < bytes.length }))
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

function relationships(zip: ZipArchive, path: string) {
  const bytes = zip.read(path)
  const map = new Map<string, { target: string; type: string }>()
  if (!bytes) return map
  parseXml(bytes, path, {
    open: (tag) => {
      if (local(tag.name) === 'Relationship') {
        map.set(attribute(tag, 'Id') ?? '', { target: attribute(tag, 'Target') ?? '', type: attribute(tag, 'Type') ?? '' })
      }
    },
  })
  return map
}

function readSharedStrings(zip: ZipArchive, path: string | null) {
  const strings: string[] = []
  const bytes = path ? zip.read(path) : null
  if (!bytes) return strings
  let current: string[] | null = null
  let inText = false
  let phonetic = 0
  parseXml(bytes, path!, {
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
        strings.push(unescapeXString(current.join('')))
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
function readDateStyles(zip: ZipArchive, path: string | null) {
  const dateStyles: boolean[] = []
  const bytes = path ? zip.read(path) : null
  if (!bytes) return dateStyles
  const custom = new Map<number, string>()
  let inCellXfs = false
  parseXml(bytes, path!, {
    open: (tag) => {
      const name = local(tag.name)
      if (name === 'numFmt') custom.set(Number(attribute(tag, 'numFmtId')), attribute(tag, 'formatCode') ?? '')
      else if (name === 'cellXfs') inCellXfs = true
      else if (name === 'xf' && inCellXfs) {
        const id = Number(attribute(tag, 'numFmtId') ?? 0)
        dateStyles.push(custom.has(id) ? isDateFormatCode(custom.get(id)!) : BUILTIN_DATE_FORMATS.has(id))
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
  maxRows: number
  maxColumns: number
}

export function readXlsx(input: Uint8Array, options: XlsxOptions): XlsxResult {
  const bytes = Buffer.from(input.buffer, input.byteOffset, input.byteLength)
  const zip = new ZipArchive(bytes, options.zip)

  const root = relationships(zip, '_rels/.rels')
  const officeDocument = [...root.values()].find((rel) => rel.type.endsWith('/officeDocument'))
  const workbookPath = officeDocument ? resolvePart('', officeDocument.target) : 'xl/workbook.xml'
  const workbookXml = zip.read(workbookPath)
  if (!workbookXml) throw new XlsxProblem('not_a_workbook', 'the file is a ZIP archive but not an Excel workbook')
  const rels = relationships(zip, resolvePart(workbookPath, `_rels/${workbookPath.split('/').pop()}.rels`))

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
          sheets.push({ name: attribute(tag, 'name') ?? `Sheet${sheets.length + 1}`, hidden: state === 'hidden' || state === 'veryHidden', path: resolvePart(workbookPath, rel.target) })
        }
      }
    },
  })
  if (sheets.length === 0) throw new XlsxProblem('no_sheets', 'the workbook has no worksheets')

  let chosen: (typeof sheets)[number] | undefined
  if (typeof options.sheet === 'number') chosen = sheets[options.sheet - 1]
  else if (typeof options.sheet === 'string' && options.sheet) chosen = sheets.find((sheet) => sheet.name === options.sheet)
  else chosen = sheets.find((sheet) => !sheet.hidden) ?? sheets[0]
  if (!chosen) throw new XlsxProblem('unknown_sheet', `the workbook has no sheet “${options.sheet}” (it has ${sheets.map((s) => `“${s.name}”`).join(', ')})`)

  const relTypes = [...rels.values()]
  const sharedPath = relTypes.find((rel) => rel.type.endsWith('/sharedStrings'))
  const stylesPath = relTypes.find((rel) => rel.type.endsWith('/styles'))
  const shared = readSharedStrings(zip, sharedPath ? resolvePart(workbookPath, sharedPath.target) : null)
  const dateStyles = readDateStyles(zip, stylesPath ? resolvePart(workbookPath, stylesPath.target) : null)

  const sheetXml = zip.read(chosen.path)
  if (!sheetXml) throw new XlsxProblem('not_a_workbook', `the sheet “${chosen.name}” is missing from the file`)

  const rows: XlsxRow[] = []
  let width = 0
  let truncated = false
  let row: XlsxRow | null = null
  let nextRowIndex = 1
  let formulaCells = 0
  let valueCells = 0
  let cell: { column: number; type: string; style: number; formula: boolean; value: string[]; inValue: boolean } | null = null
  let nextColumn = 0
  const STOP = Symbol('stop')

  try {
    parseXml(sheetXml, chosen.path, {
      open: (tag) => {
        const name = local(tag.name)
        if (name === 'row') {
          const r = Number(attribute(tag, 'r'))
          const index = Number.isInteger(r) && r > 0 ? r : nextRowIndex
          row = { index, cells: [], formulasOnly: false }
          nextRowIndex = index + 1
          nextColumn = 0
          formulaCells = 0
          valueCells = 0
        } else if (name === 'c' && row) {
          const reference = attribute(tag, 'r')
          const column = reference ? columnIndex(reference) : nextColumn
          nextColumn = column + 1
          cell = { column, type: attribute(tag, 't') ?? 'n', style: Number(attribute(tag, 's') ?? 0), formula: false, value: [], inValue: false }
        } else if (cell && (name === 'v' || name === 't')) {
          cell.inValue = true
        } else if (cell && name === 'f') {
          cell.formula = true
        }
      },
      text: (text) => {
        if (cell?.inValue) cell.value.push(text)
      },
      close: (name) => {
        const tag = local(name)
        if ((tag === 'v' || tag === 't') && cell) cell.inValue = false
        else if (tag === 'c' && cell && row) {
          const raw = cell.value.join('')
          let text = ''
          switch (cell.type) {
            case 's':
              text = shared[Number(raw)] ?? ''
              break
            case 'inlineStr':
            case 'str':
              text = unescapeXString(raw)
              break
            case 'b':
              text = raw === '1' ? 'TRUE' : raw === '0' ? 'FALSE' : raw
              break
            case 'e':
              text = raw
              break
            case 'd':
              text = raw.endsWith('T00:00:00') || raw.endsWith('T00:00:00Z') ? raw.slice(0, 10) : raw
              break
            default:
              text = raw !== '' && dateStyles[cell.style] ? (excelSerialToIso(Number(raw), date1904) ?? raw) : raw
          }
          if (text !== '') {
            if (cell.column >= options.maxColumns) {
              width = Math.max(width, cell.column + 1)
            } else {
              row.cells[cell.column] = text
              width = Math.max(width, cell.column + 1)
            }
            valueCells++
            if (cell.formula) formulaCells++
          }
          cell = null
        } else if (tag === 'row' && row) {
          for (let i = 0; i < row.cells.length; i++) if (row.cells[i] === undefined) row.cells[i] = ''
          row.formulasOnly = valueCells > 0 && formulaCells === valueCells
          rows.push(row)
          row = null
          if (rows.length > options.maxRows) {
            truncated = true
            throw STOP
          }
        }
      },
    })
  } catch (error) {
    if (error !== STOP) throw error
  }
  return { sheets: sheets.map(({ name, hidden }) => ({ name, hidden })), sheet: chosen.name, rows, date1904, truncated, width }
}

export { ZipProblem }
