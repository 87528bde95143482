import Papa from 'papaparse'
import { headerToken, suggestMapping } from '#imports/services/column_mapping'
import { detectDelimiter } from '#imports/services/source_table'

/**
 * Rows pasted from a spreadsheet (tab separated, as Excel and Google Sheets
 * copy them; commas and semicolons work too) as values by the import's
 * columns. A first line of headers is recognised and used to place the
 * columns; without one, columns are taken in the import's order.
 */
export function pastedRows(
  text: string,
  columns: string[],
  mapping: Record<string, string>
): Array<Record<string, string>> {
  // Only blank lines are trimmed: a leading or trailing tab is an empty cell.
  const clean = text
    .replace(/^\uFEFF/, '')
    .replace(/^(?:[ \t]*\r?\n)+/, '')
    .replace(/(?:\r?\n[ \t]*)+$/, '')
  if (!clean.trim()) return []
  const delimiter = clean.includes('\t') ? '\t' : detectDelimiter(clean)
  const records = Papa.parse<string[]>(clean, { delimiter, skipEmptyLines: 'greedy' }).data
  if (records.length === 0) return []

  const first = records[0].map(headerToken)
  const columnTokens = columns.map(headerToken)
  const direct = first.filter((token) => token && columnTokens.includes(token)).length
  const suggested = suggestMapping(records[0])
  const viaKeys = Object.keys(suggested).filter((key) => mapping[key]).length
  const isHeader =
    direct >= Math.max(1, Math.ceil(first.length / 2)) ||
    viaKeys >= Math.max(1, Math.ceil(first.length / 2))

  let placeOf: Array<string | null>
  if (isHeader) {
    // Each pasted column to one of the import's: same name, else through the key both map to.
    const byKey = new Map(
      Object.entries(suggested).map(([key, header]) => [header, mapping[key] ?? null])
    )
    placeOf = records[0].map((header, i) => {
      const same = columnTokens.indexOf(first[i])
      return same >= 0 ? columns[same] : (byKey.get(header) ?? null)
    })
  } else {
    placeOf = columns.map((column) => column)
  }
  return records.slice(isHeader ? 1 : 0).map((cells) => {
    const values: Record<string, string> = {}
    cells.forEach((value, i) => {
      const column = placeOf[i]
      if (column) values[column] = value
    })
    return values
  })
}
