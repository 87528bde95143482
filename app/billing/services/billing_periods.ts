import { DateTime } from 'luxon'

/**
 * Billing periods are calendar months in India's time (Asia/Kolkata, UTC+5:30,
 * no daylight saving): a certificate issued at 23:00 UTC on 31 January is
 * issued on 1 February in Kolkata and billed in February.
 */
export const BILLING_ZONE = 'Asia/Kolkata'

export interface BillingMonth {
  /** First and last day, `YYYY-MM-DD` (as `billing_periods.period_start`/`period_end`). */
  start: string
  end: string
  /** The instants it spans: from `startsAt` (included) to `endsAt` (excluded). */
  startsAt: DateTime
  endsAt: DateTime
  daysInMonth: number
}

export function billingMonthOf(instant: DateTime): BillingMonth {
  const local = instant.setZone(BILLING_ZONE).startOf('month')
  return {
    start: local.toISODate()!,
    end: local.endOf('month').toISODate()!,
    startsAt: local.toUTC(),
    endsAt: local.plus({ months: 1 }).toUTC(),
    daysInMonth: local.daysInMonth!,
  }
}

/** The month `YYYY-MM` names (`billing:run --period=2026-11`), or null when it names none. */
export function billingMonthNamed(period: string): BillingMonth | null {
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(period)) return null
  return billingMonthOf(DateTime.fromISO(`${period}-01`, { zone: BILLING_ZONE }))
}

/**
 * The days of its month an account is billed when its trial ends inside it:
 * from the day after the trial's last day (in Kolkata) to the month's end.
 * A trial ending on the 14th bills 17 of 31 days in a 31-day month; a trial
 * that ended before the month began bills all of it, one ending after it none.
 */
export function billedDaysOf(month: BillingMonth, trialEndsAt: DateTime | null) {
  if (!trialEndsAt) return month.daysInMonth
  const trialEnd = trialEndsAt.setZone(BILLING_ZONE)
  if (trialEnd < month.startsAt) return month.daysInMonth
  if (trialEnd >= month.endsAt) return 0
  // The trial covers the day it ends on (in Kolkata), unless it ends at that day's first instant.
  const dayStart = trialEnd.startOf('day')
  const firstBilled = trialEnd.equals(dayStart) ? dayStart : dayStart.plus({ days: 1 })
  return Math.max(0, Math.round(month.endsAt.setZone(BILLING_ZONE).diff(firstBilled, 'days').days))
}
