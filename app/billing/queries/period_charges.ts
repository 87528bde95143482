import type { QueryClientContract } from '@adonisjs/lucid/types/database'
import { DateTime } from 'luxon'
import { dbTimestamp } from '#core/services/database_time'
import type Organization from '#orgs/models/organization'
import { BILLING_ZONE, billedDaysOf, type BillingMonth } from '#billing/services/billing_periods'
import { proratedPaise, type InvoiceLineInput } from '#billing/services/gst'
import { pricesInForce, type PricesInForce } from '#billing/queries/prices_in_force'

/**
 * What an org owes for one ended month, line by line, before tax (the
 * billing run turns it into an invoice; `billing:run --dry-run` prints it):
 *
 * - **Platform fee**: the month's fee in force on its first billed day,
 *   prorated per day when the trial ended inside the month (the days are
 *   stated on the line); none while the trial lasts, none when waived.
 * - **Certificates**: every `certificate_issued` usage event of the month at
 *   the certificate fee in force on the day (in Kolkata) it was issued, one
 *   line per stretch of days with the same price. The trial's free
 *   certificates (the first `trial_free_certificates` issued between its
 *   start and end) are shown at zero; so are reissues within the price
 *   book's `free_reissue_days` of the certificate they replace (a
 *   correction is not a sale); a later reissue is billed like a new
 *   certificate. Revoked certificates stay billed.
 * - **Debits, then credits** (`billing_credits_debits` with something left,
 *   recorded before the month ended): debits in full; credits, oldest
 *   first, as far as the month's charges go (the rest waits for the next
 *   month). Taxed at the rate in force at the month's end.
 */
export type ChargeType = 'platform_fee' | 'certificates' | 'credit' | 'debit'

export interface ChargeLine extends InvoiceLineInput {
  type: ChargeType
  rateBasisPoints: number
  metadata: Record<string, unknown>
}

export interface PeriodCharges {
  lines: ChargeLine[]
  /** Each credit or debit row used, and how much of it. */
  adjustmentsUsed: { id: string; paise: number }[]
  certificates: {
    issued: number
    reissued: number
    freeInTrial: number
    freeReissues: number
    billed: number
  }
  billedDays: number
  /** Whether anything is charged (a line with an amount): otherwise no invoice. */
  chargeable: boolean
}

interface PriceStretch {
  from: string
  to: string
  prices: PricesInForce
}

function dayStart(day: string) {
  return DateTime.fromISO(day, { zone: BILLING_ZONE }).toUTC()
}

function nextDay(day: string) {
  return DateTime.fromISO(day, { zone: BILLING_ZONE }).plus({ days: 1 }).toISODate()!
}

function previousDay(day: string) {
  return DateTime.fromISO(day, { zone: BILLING_ZONE }).minus({ days: 1 }).toISODate()!
}

const SHORT = new Intl.DateTimeFormat('en-IN', {
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  timeZone: 'UTC',
})
const MONTH = new Intl.DateTimeFormat('en-IN', { month: 'long', year: 'numeric', timeZone: 'UTC' })

function shortDay(day: string) {
  return SHORT.format(new Date(`${day}T00:00:00Z`))
}

/** "November 2026" for the whole month, else "15 Nov 2026 – 30 Nov 2026". */
export function daysLabel(month: BillingMonth, from: string, to: string) {
  if (from === month.start && to === month.end) {
    return MONTH.format(new Date(`${month.start}T00:00:00Z`))
  }
  return from === to ? shortDay(from) : `${shortDay(from)} – ${shortDay(to)}`
}

/**
 * The month cut where the org's overrides start or end, each stretch with
 * its prices; neighbours with the same certificate price, rate and free
 * reissue days are joined.
 */
async function priceStretches(
  org: Pick<Organization, 'id'>,
  month: BillingMonth,
  client: QueryClientContract
): Promise<PriceStretch[]> {
  const overrides = await client
    .from('organization_pricing_overrides')
    .where('organization_id', org.id)
    .where('effective_from', '<=', month.end)
    .where((open) => open.whereNull('effective_to').orWhere('effective_to', '>=', month.start))
    .select('effective_from', 'effective_to')
  const starts = new Set([month.start])
  for (const override of overrides) {
    if (override.effective_from > month.start) starts.add(override.effective_from)
    if (override.effective_to && override.effective_to < month.end) {
      starts.add(nextDay(override.effective_to))
    }
  }
  const ordered = [...starts].sort()
  const stretches: PriceStretch[] = []
  for (const [index, from] of ordered.entries()) {
    const to = index + 1 < ordered.length ? previousDay(ordered[index + 1]) : month.end
    const prices = await pricesInForce(org, from, client)
    const last = stretches.at(-1)
    if (
      last &&
      last.prices.certificateFeePaise === prices.certificateFeePaise &&
      last.prices.gstRateBasisPoints === prices.gstRateBasisPoints &&
      last.prices.freeReissueDays === prices.freeReissueDays
    ) {
      last.to = to
    } else {
      stretches.push({ from, to, prices })
    }
  }
  return stretches
}

async function countIssued(
  org: Pick<Organization, 'id'>,
  from: DateTime,
  until: DateTime,
  client: QueryClientContract
) {
  if (until <= from) return 0
  const row = await client
    .from('billing_usage_events')
    .where('organization_id', org.id)
    .where('event_type', 'certificate_issued')
    .where('occurred_at', '>=', dbTimestamp(client, from))
    .where('occurred_at', '<', dbTimestamp(client, until))
    .sum('quantity as issued')
    .first()
  return Number(row?.issued ?? 0)
}

function jsonOf(value: unknown): Record<string, unknown> {
  if (typeof value === 'string') return JSON.parse(value)
  return (value ?? {}) as Record<string, unknown>
}

function instantOf(value: unknown) {
  if (value instanceof Date) return DateTime.fromJSDate(value, { zone: 'utc' })
  const text = String(value)
  const parsed = DateTime.fromISO(text, { zone: 'utc' })
  return parsed.isValid ? parsed : DateTime.fromSQL(text, { zone: 'utc' })
}

/** Reissues in [from, until): how many, and how many within the free days of the one they replace. */
async function countReissues(
  org: Pick<Organization, 'id'>,
  from: DateTime,
  until: DateTime,
  freeDays: number,
  client: QueryClientContract
) {
  const rows = await client
    .from('billing_usage_events')
    .where('organization_id', org.id)
    .where('event_type', 'certificate_reissued')
    .where('occurred_at', '>=', dbTimestamp(client, from))
    .where('occurred_at', '<', dbTimestamp(client, until))
    .select('occurred_at', 'quantity', 'metadata')
  let reissued = 0
  let free = 0
  for (const row of rows) {
    const quantity = Number(row.quantity)
    reissued += quantity
    const replacedAt = jsonOf(row.metadata).reissued_from_issued_at
    if (typeof replacedAt !== 'string') continue
    const days = instantOf(row.occurred_at).diff(DateTime.fromISO(replacedAt), 'days').days
    if (days <= freeDays) free += quantity
  }
  return { reissued, free }
}

export async function periodCharges(
  org: Organization,
  month: BillingMonth,
  client: QueryClientContract,
  options: { lockAdjustments?: boolean } = {}
): Promise<PeriodCharges> {
  const lines: ChargeLine[] = []
  const stretches = await priceStretches(org, month, client)
  const closing = stretches.at(-1)!.prices

  // The platform fee, from the first day after the trial (or from the org's first day without one).
  const billingFrom = org.trialEndsAt ?? org.createdAt.setZone(BILLING_ZONE).startOf('day')
  const billedDays = billedDaysOf(month, billingFrom)
  if (billedDays > 0) {
    const firstDay = DateTime.fromISO(month.end, { zone: BILLING_ZONE })
      .minus({ days: billedDays - 1 })
      .toISODate()!
    const prices = await pricesInForce(org, firstDay, client)
    const fee = proratedPaise(prices.platformFeePaise, billedDays, month.daysInMonth)
    if (fee > 0) {
      const prorated = billedDays < month.daysInMonth
      lines.push({
        type: 'platform_fee',
        description: prorated
          ? `Platform fee, ${prices.priceBookKey} plan, ${daysLabel(month, firstDay, month.end)} (${billedDays} of ${month.daysInMonth} days, after the trial)`
          : `Platform fee, ${prices.priceBookKey} plan, ${daysLabel(month, month.start, month.end)}`,
        quantity: 1,
        unitPaise: fee,
        rateBasisPoints: prices.gstRateBasisPoints,
        metadata: {
          from: firstDay,
          to: month.end,
          billed_days: billedDays,
          days_in_month: month.daysInMonth,
          monthly_fee_paise: prices.platformFeePaise,
        },
      })
    }
  }

  // The trial's free certificates: the first N issued between its start and its end.
  const trialFrom = org.trialStartedAt ?? org.createdAt
  const trialUntil = org.trialEndsAt
  let freeLeft = 0
  if (trialUntil && org.trialFreeCertificates > 0) {
    const usedBefore = await countIssued(
      org,
      trialFrom,
      DateTime.min(trialUntil, month.startsAt),
      client
    )
    freeLeft = Math.max(0, org.trialFreeCertificates - usedBefore)
  }

  const totals = { issued: 0, reissued: 0, freeInTrial: 0, freeReissues: 0, billed: 0 }
  for (const stretch of stretches) {
    const from = dayStart(stretch.from)
    const until = dayStart(nextDay(stretch.to))
    const issued = await countIssued(org, from, until, client)
    let freeInTrial = 0
    if (freeLeft > 0 && trialUntil && issued > 0) {
      const inTrial = await countIssued(
        org,
        DateTime.max(from, trialFrom),
        DateTime.min(until, trialUntil),
        client
      )
      freeInTrial = Math.min(inTrial, freeLeft)
      freeLeft -= freeInTrial
    }
    const reissues = await countReissues(org, from, until, stretch.prices.freeReissueDays, client)
    const billed = issued - freeInTrial + reissues.reissued - reissues.free
    totals.issued += issued
    totals.reissued += reissues.reissued
    totals.freeInTrial += freeInTrial
    totals.freeReissues += reissues.free
    totals.billed += billed
    const days = daysLabel(month, stretch.from, stretch.to)
    const metadata = { from: stretch.from, to: stretch.to }
    const rate = stretch.prices.gstRateBasisPoints
    if (billed > 0) {
      lines.push({
        type: 'certificates',
        description: `Certificates issued, ${days}`,
        quantity: billed,
        unitPaise: stretch.prices.certificateFeePaise,
        rateBasisPoints: rate,
        metadata: { ...metadata, issued, billed_reissues: reissues.reissued - reissues.free },
      })
    }
    if (freeInTrial > 0) {
      lines.push({
        type: 'certificates',
        description: `Certificates free in the trial, ${days}`,
        quantity: freeInTrial,
        unitPaise: 0,
        rateBasisPoints: rate,
        metadata: { ...metadata, free: 'trial' },
      })
    }
    if (reissues.free > 0) {
      lines.push({
        type: 'certificates',
        description: `Reissues within ${stretch.prices.freeReissueDays} days (corrections, free), ${days}`,
        quantity: reissues.free,
        unitPaise: 0,
        rateBasisPoints: rate,
        metadata: { ...metadata, free: 'reissue' },
      })
    }
  }

  // Staff's debits in full, then credits as far as the charges go.
  const adjustments = client
    .from('billing_credits_debits')
    .where('organization_id', org.id)
    .where('remaining_paise', '>', 0)
    .where('created_at', '<', dbTimestamp(client, month.endsAt))
    .orderBy([
      { column: 'created_at', order: 'asc' },
      { column: 'id', order: 'asc' },
    ])
    .select('id', 'kind', 'remaining_paise', 'reason')
  if (options.lockAdjustments && client.dialect.name === 'postgres') adjustments.forUpdate()
  const rows = await adjustments
  const adjustmentsUsed: { id: string; paise: number }[] = []
  for (const row of rows.filter((candidate) => candidate.kind === 'debit')) {
    const paise = Number(row.remaining_paise)
    lines.push({
      type: 'debit',
      description: row.reason,
      quantity: 1,
      unitPaise: paise,
      rateBasisPoints: closing.gstRateBasisPoints,
      metadata: { adjustment_id: row.id },
    })
    adjustmentsUsed.push({ id: row.id, paise })
  }
  let room = lines.reduce((sum, line) => sum + line.quantity * line.unitPaise, 0)
  for (const row of rows.filter((candidate) => candidate.kind === 'credit')) {
    if (room <= 0) break
    const paise = Math.min(Number(row.remaining_paise), room)
    room -= paise
    lines.push({
      type: 'credit',
      description: `Credit: ${row.reason}`,
      quantity: 1,
      unitPaise: -paise,
      rateBasisPoints: closing.gstRateBasisPoints,
      metadata: { adjustment_id: row.id, credit_left_paise: Number(row.remaining_paise) - paise },
    })
    adjustmentsUsed.push({ id: row.id, paise })
  }

  return {
    lines,
    adjustmentsUsed,
    certificates: totals,
    billedDays,
    chargeable: lines.some((line) => line.unitPaise !== 0 && line.quantity !== 0),
  }
}

/**
 * `periodCharges` for many orgs at once (the billing run closes orgs in
 * batches): the common case, an org whose trial ended before the month,
 * with no price override, reissue or credit/debit touching it, is priced
 * from one grouped count for the whole batch and the default book, exactly
 * as `periodCharges` prices it; any other org goes through `periodCharges`
 * itself. A test compares the two on varied orgs.
 */
export async function periodChargesMany(
  orgs: Organization[],
  month: BillingMonth,
  client: QueryClientContract,
  options: { lockAdjustments?: boolean } = {}
): Promise<Map<string, PeriodCharges>> {
  const result = new Map<string, PeriodCharges>()
  if (orgs.length === 0) return result
  const ids = orgs.map((org) => org.id)
  const from = dbTimestamp(client, month.startsAt)
  const until = dbTimestamp(client, month.endsAt)
  const [overridden, adjusted, counts] = await Promise.all([
    client
      .from('organization_pricing_overrides')
      .whereIn('organization_id', ids)
      .where('effective_from', '<=', month.end)
      .where((open) => open.whereNull('effective_to').orWhere('effective_to', '>=', month.start))
      .distinct('organization_id'),
    client
      .from('billing_credits_debits')
      .whereIn('organization_id', ids)
      .where('remaining_paise', '>', 0)
      .where('created_at', '<', until)
      .distinct('organization_id'),
    client
      .from('billing_usage_events')
      .whereIn('organization_id', ids)
      .where('occurred_at', '>=', from)
      .where('occurred_at', '<', until)
      .select('organization_id', 'event_type')
      .sum('quantity as quantity')
      .groupBy('organization_id', 'event_type'),
  ])
  const special = new Set([
    ...overridden.map((row) => row.organization_id as string),
    ...adjusted.map((row) => row.organization_id as string),
    ...counts
      .filter((row) => row.event_type !== 'certificate_issued' && Number(row.quantity) > 0)
      .map((row) => row.organization_id as string),
  ])
  const issued = new Map(
    counts
      .filter((row) => row.event_type === 'certificate_issued')
      .map((row) => [row.organization_id as string, Number(row.quantity)])
  )
  const book = await pricesInForce(
    { id: '00000000-0000-0000-0000-000000000000' },
    month.start,
    client
  )
  for (const org of orgs) {
    const trialOverlaps = org.trialEndsAt
      ? org.trialEndsAt > month.startsAt
      : org.createdAt.setZone(BILLING_ZONE).startOf('day') > month.startsAt
    if (special.has(org.id) || trialOverlaps) {
      result.set(org.id, await periodCharges(org, month, client, options))
      continue
    }
    // A whole month at the book's prices, its trial over before it began.
    const lines: ChargeLine[] = []
    if (book.platformFeePaise > 0) {
      lines.push({
        type: 'platform_fee',
        description: `Platform fee, ${book.priceBookKey} plan, ${daysLabel(month, month.start, month.end)}`,
        quantity: 1,
        unitPaise: book.platformFeePaise,
        rateBasisPoints: book.gstRateBasisPoints,
        metadata: {
          from: month.start,
          to: month.end,
          billed_days: month.daysInMonth,
          days_in_month: month.daysInMonth,
          monthly_fee_paise: book.platformFeePaise,
        },
      })
    }
    const certificates = issued.get(org.id) ?? 0
    if (certificates > 0) {
      lines.push({
        type: 'certificates',
        description: `Certificates issued, ${daysLabel(month, month.start, month.end)}`,
        quantity: certificates,
        unitPaise: book.certificateFeePaise,
        rateBasisPoints: book.gstRateBasisPoints,
        metadata: { from: month.start, to: month.end, issued: certificates, billed_reissues: 0 },
      })
    }
    result.set(org.id, {
      lines,
      adjustmentsUsed: [],
      certificates: {
        issued: certificates,
        reissued: 0,
        freeInTrial: 0,
        freeReissues: 0,
        billed: certificates,
      },
      billedDays: month.daysInMonth,
      chargeable: lines.some((line) => line.unitPaise !== 0 && line.quantity !== 0),
    })
  }
  return result
}
