import { DateTime } from 'luxon'

/**
 * How numbers, money and dates read on every page: Indian English (`en-IN`)
 * through `Intl`, one formatter each, so 1,00,000 and "6 Dec 2026" are
 * written the same way everywhere. Times are shown in UTC, and say so.
 * Registered as Edge globals in start/view.ts; code that builds a message
 * imports them from here.
 */

const NUMBER = new Intl.NumberFormat('en-IN')
const MONEY = new Intl.NumberFormat('en-IN', { style: 'currency', currency: 'INR' })
const DATE = new Intl.DateTimeFormat('en-IN', {
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  timeZone: 'UTC',
})
const LONG_DATE = new Intl.DateTimeFormat('en-IN', {
  day: 'numeric',
  month: 'long',
  year: 'numeric',
  timeZone: 'UTC',
})
const DATE_TIME = new Intl.DateTimeFormat('en-IN', {
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
  timeZone: 'UTC',
})

type Instant = DateTime | Date | string | null | undefined

/** A luxon DateTime, a Date or an ISO string (a bare date is that day in UTC) as a Date; null when there is none. */
function toDate(value: Instant): Date | null {
  if (value === null || value === undefined || value === '') return null
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value
  const parsed = typeof value === 'string' ? DateTime.fromISO(value, { zone: 'utc' }) : value
  return parsed.isValid ? parsed.toJSDate() : null
}

/** 1,00,000 */
export function formatNumber(value: number | null | undefined) {
  return value === null || value === undefined ? '' : NUMBER.format(value)
}

/** Paise as rupees: 12345650 → ₹1,23,456.50 */
export function formatMoney(paise: number | null | undefined) {
  return paise === null || paise === undefined ? '' : MONEY.format(paise / 100)
}

/**
 * Dates written as text ("2026-03-15", an ISO instant) repeat on every page
 * that shows them (a job's issue date, a certificate's): their words are
 * kept, a few thousand at most, so parsing and `Intl` run once per date.
 */
const writtenDates = { short: new Map<string, string>(), long: new Map<string, string>() }
const WRITTEN_DATES_KEPT = 4096

/** 6 Dec 2026; `{ long: true }` → 6 December 2026 */
export function formatDate(value: Instant, options: { long?: boolean } = {}) {
  if (typeof value !== 'string') return writeDate(value, options.long)
  const kept = options.long ? writtenDates.long : writtenDates.short
  let written = kept.get(value)
  if (written === undefined) {
    written = writeDate(value, options.long)
    if (kept.size >= WRITTEN_DATES_KEPT) kept.clear()
    kept.set(value, written)
  }
  return written
}

function writeDate(value: Instant, long = false) {
  const date = toDate(value)
  return date ? (long ? LONG_DATE : DATE).format(date) : ''
}

/** 6 Dec 2026, 14:05 UTC */
export function formatDateTime(value: Instant) {
  const date = toDate(value)
  return date ? `${DATE_TIME.format(date)} UTC` : ''
}
