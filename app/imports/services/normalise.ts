import { type CountryCode, parsePhoneNumberFromString } from 'libphonenumber-js/max'
import { stripControls } from '#core/services/control_characters'

/**
 * Recipient values as people type them, made uniform: names with their
 * spacing cleaned, emails lowercased, phone numbers in E.164, dates in ISO
 * form from the many ways spreadsheets write them. Each function returns
 * null for a value it cannot make sense of; the caller says why.
 */

export type DateOrder = 'dmy' | 'mdy'

/** Control characters out, runs of white space (line breaks included) collapsed, trimmed, characters composed. */
export function normaliseName(value: string) {
  return stripControls(value, { keepLines: true }).normalize('NFC').replace(/\s+/gu, ' ').trim()
}

/** A name shows at least one letter: one made only of combining marks (U+0301…) prints as nothing. */
export function hasLetter(value: string) {
  return /\p{L}/u.test(value)
}

const EMAIL =
  /^[^\s@"(),:;<>[\\\]]{1,64}@(?=.{1,253}$)(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?\.)+[\p{L}]{2,63}$/u

export function normaliseEmail(value: string): string | null {
  const email = value.trim().toLowerCase()
  if (!EMAIL.test(email) || email.includes('..')) return null
  return email
}

/**
 * Whether an E.164 number is valid depends on its country code and leading
 * digits (numbering plans assign ranges) and its length, not on the last
 * digits; libphonenumber's check builds regular expressions each time, so
 * answers are kept per (first ten characters, length). 100,000 numbers of
 * one list share a few hundred such keys.
 */
const validity = new Map<string, boolean>()

function plainCandidate(text: string, country: string): string | null {
  const compact = text.replace(/[\s().-]/g, '')
  if (/^\+\d{8,15}$/.test(compact)) return compact
  if (country !== 'IN' || !/^\d+$/.test(compact)) return null
  if (compact.length === 10) return `+91${compact}`
  if (compact.length === 11 && compact.startsWith('0')) return `+91${compact.slice(1)}`
  if (compact.length === 12 && compact.startsWith('91')) return `+${compact}`
  return null
}

/** E.164 (`+919876543210`) for a number written in any usual way; national numbers are read in `country`. */
export function normalisePhone(value: string, country: string): string | null {
  const candidate = plainCandidate(value.trim(), country.toUpperCase())
  if (candidate) {
    const key = `${candidate.slice(0, 10)}:${candidate.length}`
    let valid = validity.get(key)
    if (valid === undefined) {
      const parsed = parsePhoneNumberFromString(candidate)
      valid = !!parsed && parsed.isValid() && parsed.number === candidate
      if (validity.size < 100_000) validity.set(key, valid)
    }
    if (valid) return candidate
  }
  return parseAnyPhone(value, country)
}

function parseAnyPhone(value: string, country: string): string | null {
  const text = value.trim()
  if (!/\d/.test(text) || /[a-z]{2,}/i.test(text.replace(/\b(ext|x)\.?\s*\d+$/i, ''))) return null
  const region = country.toUpperCase() as CountryCode
  const attempt = (input: string) => {
    const parsed = parsePhoneNumberFromString(input, region)
    return parsed && parsed.isValid() ? parsed.number : null
  }
  const direct = attempt(text)
  if (direct) return direct
  // Spreadsheets drop the "+" (and Excel drops a leading 0) from numbers: 919876543210.
  const digits = text.replace(/\D/g, '')
  if (digits.length >= 11 && !text.startsWith('+')) return attempt(`+${digits}`)
  return null
}

const MONTHS: Record<string, number> = {
  jan: 1,
  january: 1,
  feb: 2,
  february: 2,
  mar: 3,
  march: 3,
  apr: 4,
  april: 4,
  may: 5,
  jun: 6,
  june: 6,
  jul: 7,
  july: 7,
  aug: 8,
  august: 8,
  sep: 9,
  sept: 9,
  september: 9,
  oct: 10,
  october: 10,
  nov: 11,
  november: 11,
  dec: 12,
  december: 12,
}

function iso(year: number, month: number, day: number): string | null {
  if (year < 1900 || year > 2200 || month < 1 || month > 12 || day < 1 || day > 31) return null
  const date = new Date(Date.UTC(year, month - 1, day))
  // 31/02 rolls over into March: not a real date.
  if (
    date.getUTCFullYear() !== year ||
    date.getUTCMonth() !== month - 1 ||
    date.getUTCDate() !== day
  )
    return null
  return date.toISOString().slice(0, 10)
}

const fullYear = (year: string) => {
  const n = Number(year)
  return year.length === 2 ? (n <= 69 ? 2000 + n : 1900 + n) : n
}

/** Excel serial days that are plausible certificate dates (1950–2100). */
const SERIAL_MIN = 18264
const SERIAL_MAX = 73415

/** Serial day (1900 date system, as CSV exports of Excel write them) → ISO date. */
export function serialToIso(serial: number): string | null {
  if (!Number.isFinite(serial)) return null
  const whole = Math.floor(serial)
  const date = new Date(Date.UTC(1899, 11, 30) + whole * 86_400_000)
  return date.toISOString().slice(0, 10)
}

/**
 * A date as ISO `YYYY-MM-DD`: ISO forms (with or without a time), numeric
 * dates in the org's order (DD/MM/YYYY by default, MM/DD/YYYY when it says
 * so; separators `/ - .`), written months (`15-Mar-2026`, `15 March 2026`,
 * `March 15, 2026`, `15th March 2026`) and Excel serial numbers. Dates that
 * do not exist (31/02/2026) are null.
 */
export function parseDate(value: string, order: DateOrder = 'dmy'): string | null {
  const text = value.trim().replace(/\s+/g, ' ')
  if (!text) return null
  let m =
    /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/.exec(
      text
    )
  if (m) return iso(Number(m[1]), Number(m[2]), Number(m[3]))
  m = /^(\d{1,2})[-/.](\d{1,2})[-/.](\d{2}|\d{4})(?: \d{1,2}:\d{2}(?::\d{2})?)?$/.exec(text)
  if (m) {
    const [a, b] = [Number(m[1]), Number(m[2])]
    return order === 'dmy' ? iso(fullYear(m[3]), b, a) : iso(fullYear(m[3]), a, b)
  }
  m = /^(\d{1,2})(?:st|nd|rd|th)?[- ]([A-Za-z]{3,9})\.?,?[- ](\d{2}|\d{4})$/.exec(text)
  if (m && MONTHS[m[2].toLowerCase()])
    return iso(fullYear(m[3]), MONTHS[m[2].toLowerCase()], Number(m[1]))
  m = /^([A-Za-z]{3,9})\.? (\d{1,2})(?:st|nd|rd|th)?,? (\d{4})$/.exec(text)
  if (m && MONTHS[m[1].toLowerCase()])
    return iso(Number(m[3]), MONTHS[m[1].toLowerCase()], Number(m[2]))
  m = /^(\d{5})(?:\.\d+)?$/.exec(text)
  if (m) {
    const serial = Number(text)
    return serial >= SERIAL_MIN && serial <= SERIAL_MAX ? serialToIso(serial) : null
  }
  return null
}
