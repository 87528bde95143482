/**
 * CSV for people to open in Excel or Google Sheets: RFC 4180 quoting, a
 * UTF-8 byte order mark so Excel reads Indic names right, and every cell
 * that a spreadsheet would run as a formula (starting with = + - @, a tab,
 * a carriage return or NUL) prefixed with an apostrophe (OWASP, ASVS 5.0
 * 1.2.10): quoting alone does not stop a formula.
 */

export const CSV_BOM = '\uFEFF'

const FORMULA_START = /^[=+\-@\t\r\0]/

/** One cell: neutralised when it could run as a formula, quoted when it holds a delimiter, quote or line break. */
export function csvCell(value: unknown) {
  let text = value === null || value === undefined ? '' : String(value)
  if (FORMULA_START.test(text)) text = `'${text}`
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

export function csvLine(values: unknown[]) {
  return `${values.map(csvCell).join(',')}\r\n`
}
