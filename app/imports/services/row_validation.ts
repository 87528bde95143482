import { bidiControlIn, bidiControlMessage } from '#core/services/control_characters'
import { emptyRecord, ownValue } from '#core/services/own_keys'
import { columnLetter } from '#imports/services/source_table'
import { codePointLabel, undrawableCharacters } from '#templates/services/font_coverage'
import { type ColumnMapping, keyLabel } from '#imports/services/column_mapping'
import {
  type DateOrder,
  hasLetter,
  normaliseEmail,
  normaliseName,
  normalisePhone,
  parseDate,
} from '#imports/services/normalise'

/**
 * One source row → the recipient record generation will use, with every
 * problem named: which key, which source column, why. Errors keep a row out
 * of generation; warnings (a duplicate, no email) are for the user to judge.
 * Values are checked, never rewritten beyond normalising: what was in the
 * file is kept verbatim next to the result.
 */

export interface RowIssue {
  /** Our key (`recipient_email`); `row` for the row as a whole. */
  field: string
  /** The source column it came from, as the header names it. */
  column: string | null
  code: string
  message: string
}

export interface ValidatedRow {
  data: Record<string, string>
  errors: RowIssue[]
  warnings: RowIssue[]
}

export interface ValidationContext {
  columns: string[]
  mapping: ColumnMapping
  /** Keys whose value must be present (templates' required fields; the name always). */
  requiredKeys: string[]
  /** Keys holding dates besides issue and expiry dates (templates' date fields). */
  dateKeys: string[]
  phoneCountry: string
  dateOrder: DateOrder
}

export const LENGTH_LIMITS: Record<string, number> = {
  recipient_name: 200,
  recipient_email: 254,
  recipient_phone: 32,
  default: 500,
}

const DATE_KEYS = new Set(['issue_date', 'expiry_date'])

/** Messages quote what was in the cell, shortened; they are always shown escaped. */
function quoted(value: string) {
  const clean = value.replace(/\s+/g, ' ').trim()
  return `“${clean.length > 40 ? `${clean.slice(0, 40)}…` : clean}”`
}

/**
 * Why a value cannot be printed, when it holds characters no bundled font
 * draws (they would come out as empty boxes on the certificate), else null.
 */
function unprintableIssue(value: string) {
  const missing = undrawableCharacters(value)
  if (missing.length === 0) return null
  const shown = missing
    .slice(0, 3)
    .map((char) => `“${char}” (${codePointLabel(char)})`)
    .join(', ')
  return `${quoted(value)} has ${missing.length === 1 ? 'a character' : 'characters'} no font of ours can print: ${shown}${missing.length > 3 ? ` and ${missing.length - 3} more` : ''}. The certificate would show ${missing.length === 1 ? 'an empty box' : 'empty boxes'} there; write the value in a script we print (Latin, Greek, Cyrillic or the script of any of India's scheduled languages), or leave the row out.`
}

export function validateRow(cells: string[], context: ValidationContext): ValidatedRow {
  // No prototype: keys are the templates' own (`constructor` must not find Object's).
  const data = emptyRecord<string>()
  const errors: RowIssue[] = []
  const warnings: RowIssue[] = []
  const dateKeys = new Set([...DATE_KEYS, ...context.dateKeys])

  for (const [key, column] of Object.entries(context.mapping)) {
    const index = context.columns.indexOf(column)
    if (index === -1) continue
    // Cells come without control characters (RowProcessor strips them before storing `raw`).
    const raw = cells[index] ?? ''
    const where = `${column} (column ${columnLetter(index)})`
    const issue = (code: string, message: string): RowIssue => ({
      field: key,
      column,
      code,
      message: `${where}: ${message}`,
    })
    if (raw.trim() === '') continue
    const bidi = bidiControlIn(raw)
    if (bidi) {
      errors.push(issue('E_BIDI_CONTROL', `the value ${bidiControlMessage(bidi)}`))
      continue
    }

    const limit = ownValue(LENGTH_LIMITS, key) ?? LENGTH_LIMITS.default
    if (key === 'recipient_name') {
      const name = normaliseName(raw)
      if (name.length > limit)
        errors.push(
          issue(
            'E_TOO_LONG',
            `the name is ${name.length} characters long; at most ${limit} fit on a certificate.`
          )
        )
      else if (name !== '' && !hasLetter(name))
        errors.push(
          issue(
            'E_NAME_NO_LETTERS',
            `${quoted(raw)} has no letters (only marks or symbols), so the certificate would show no name.`
          )
        )
      else if (name !== '') {
        const unprintable = unprintableIssue(name)
        if (unprintable) errors.push(issue('E_NO_FONT', unprintable))
        else data[key] = name
      }
    } else if (key === 'recipient_email') {
      const email = normaliseEmail(raw)
      if (!email)
        errors.push(issue('E_EMAIL_INVALID', `${quoted(raw)} is not a valid email address.`))
      else data[key] = email
    } else if (key === 'recipient_phone') {
      const phone = normalisePhone(raw, context.phoneCountry)
      if (!phone && /^\s*\d(?:\.\d+)?e\+?\d+\s*$/i.test(raw)) {
        errors.push(
          issue(
            'E_PHONE_SCIENTIFIC',
            `${quoted(raw)} is a number Excel wrote in scientific notation, which loses digits. Format the column as Text in Excel, retype or paste the numbers, and export again.`
          )
        )
      } else if (!phone)
        errors.push(
          issue(
            'E_PHONE_INVALID',
            `${quoted(raw)} is not a valid phone number${context.phoneCountry ? ` (numbers without a country code are read as ${context.phoneCountry})` : ''}.`
          )
        )
      else data[key] = phone
    } else if (dateKeys.has(key)) {
      const date = parseDate(raw, context.dateOrder)
      if (!date) {
        errors.push(
          issue(
            'E_DATE_INVALID',
            `${quoted(raw)} is not a date we can read, or not a real date (${context.dateOrder === 'dmy' ? 'day/month/year' : 'month/day/year'} is expected for numeric dates).`
          )
        )
      } else data[key] = date
    } else {
      const value = normaliseName(raw)
      const unprintable = unprintableIssue(value)
      if (value.length > limit)
        errors.push(
          issue('E_TOO_LONG', `${value.length} characters; at most ${limit} are accepted.`)
        )
      else if (unprintable) errors.push(issue('E_NO_FONT', unprintable))
      else data[key] = value
    }
  }

  for (const key of new Set(['recipient_name', ...context.requiredKeys])) {
    if (data[key] !== undefined || errors.some((error) => error.field === key)) continue
    const column = ownValue(context.mapping, key) ?? null
    const index = column ? context.columns.indexOf(column) : -1
    errors.push({
      field: key,
      column,
      code: 'E_REQUIRED',
      message:
        column && index >= 0
          ? `${column} (column ${columnLetter(index)}): ${keyLabel(key)} is required and this row has none.`
          : `${keyLabel(key)} is required, and no column is mapped to it.`,
    })
  }

  if (data.issue_date && data.expiry_date && data.expiry_date <= data.issue_date) {
    const column = context.mapping.expiry_date ?? null
    errors.push({
      field: 'expiry_date',
      column,
      code: 'E_EXPIRY_BEFORE_ISSUE',
      message: `${column ?? 'Expiry date'}: the expiry date ${data.expiry_date} is not after the issue date ${data.issue_date}.`,
    })
  }

  if (
    context.mapping.recipient_email &&
    !data.recipient_email &&
    !errors.some((e) => e.field === 'recipient_email')
  ) {
    warnings.push({
      field: 'recipient_email',
      column: context.mapping.recipient_email,
      code: data.recipient_phone ? 'W_EMAIL_MISSING' : 'W_NO_CONTACT',
      message: data.recipient_phone
        ? `${context.mapping.recipient_email}: no email address; this recipient can be reached on WhatsApp only.`
        : 'No email address or phone number: the certificate can be issued and downloaded, but not delivered.',
    })
  }
  return { data, errors, warnings }
}

/**
 * The key under which two rows are the same recipient: same email or phone
 * and the same data otherwise. Null for rows without either (nothing to
 * tell two people of the same name apart).
 */
export function duplicateKey(data: Record<string, string>) {
  if (!data.recipient_email && !data.recipient_phone) return null
  const sorted = Object.keys(data)
    .sort()
    .map((key) => `${key}=${data[key]}`)
    .join('\u0000')
  return fnv64(sorted)
}

/** 64-bit FNV-1a (two 32-bit lanes) as base-36 text: a fast, stable fingerprint, not a security hash. */
function fnv64(text: string) {
  let a = 0x811c9dc5
  let b = 0x01000193 ^ 0x5bd1e995
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    a = Math.imul(a ^ c, 0x01000193)
    b = Math.imul(b ^ c, 0x5bd1e995)
  }
  return (a >>> 0).toString(36).padStart(7, '0') + (b >>> 0).toString(36).padStart(7, '0')
}

export function duplicateWarning(firstRow: number): RowIssue {
  return {
    field: 'row',
    column: null,
    code: 'W_DUPLICATE',
    message: `Same recipient and data as row ${firstRow}. Keep both, or remove this one.`,
  }
}

/** A blank row, or one without name, email or phone (a total or a note under the data): not a recipient. */
export function isNotARecipient(
  cells: string[],
  context: Pick<ValidationContext, 'columns' | 'mapping'>,
  formulasOnly = false
) {
  if (formulasOnly) return true
  const contact = ['recipient_name', 'recipient_email', 'recipient_phone']
    .map((key) => context.mapping[key])
    .filter((column): column is string => !!column)
    .map((column) => context.columns.indexOf(column))
  return (
    contact.length > 0 && contact.every((index) => index < 0 || (cells[index] ?? '').trim() === '')
  )
}
