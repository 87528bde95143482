import db from '@adonisjs/lucid/services/db'
import { DateTime } from 'luxon'
import type Organization from '#orgs/models/organization'
import { dbTimestamp } from '#core/services/database_time'
import { BILLING_ZONE, type BillingMonth } from '#billing/services/billing_periods'

export interface DailyUsage {
  /** Every day of the month, `YYYY-MM-DD` in Kolkata, with the certificates issued and reissued that day. */
  days: { day: string; issued: number; reissued: number }[]
}

/**
 * Certificates issued per day of a billing month (the billing page's chart),
 * counted by the database per Kolkata day (UTC+5:30 all year: no daylight
 * saving), so a month of a busy org is 31 rows, not its million events.
 */
export async function dailyUsage(org: Pick<Organization, 'id'>, month: BillingMonth) {
  const client = db.connection()
  const day =
    client.dialect.name === 'postgres'
      ? `to_char(occurred_at AT TIME ZONE '${BILLING_ZONE}', 'YYYY-MM-DD')`
      : `date(occurred_at, '+330 minutes')`
  const rows = await client
    .from('billing_usage_events')
    .where('organization_id', org.id)
    .where('occurred_at', '>=', dbTimestamp(client, month.startsAt))
    .where('occurred_at', '<', dbTimestamp(client, month.endsAt))
    .select(db.raw(`${day} as day`), 'event_type')
    .sum('quantity as quantity')
    .groupByRaw(`${day}, event_type`)
  const counts = new Map<string, { issued: number; reissued: number }>()
  for (const row of rows) {
    const entry = counts.get(row.day) ?? { issued: 0, reissued: 0 }
    if (row.event_type === 'certificate_reissued') entry.reissued += Number(row.quantity)
    else entry.issued += Number(row.quantity)
    counts.set(row.day, entry)
  }
  const first = DateTime.fromISO(month.start, { zone: BILLING_ZONE })
  const usage: DailyUsage = { days: [] }
  for (let index = 0; index < month.daysInMonth; index++) {
    const date = first.plus({ days: index }).toISODate()!
    usage.days.push({ day: date, ...(counts.get(date) ?? { issued: 0, reissued: 0 }) })
  }
  return usage
}
