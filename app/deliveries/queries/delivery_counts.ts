import { DateTime } from 'luxon'
import db from '@adonisjs/lucid/services/db'
import type { DatabaseQueryBuilderContract } from '@adonisjs/lucid/types/querybuilder'
import { MESSAGE_STATUSES, type MessageStatus } from '#deliveries/services/delivery_status'
import { CHANNELS, type Channel } from '#deliveries/services/providers'

/**
 * How many messages are at each status (each message counted once, at its
 * current status). `cancelled`: messages of a cancelled delivery that were
 * never sent — they stay `queued` on the row (CancelDelivery) but are
 * counted here, not under `queued`.
 */
export type StatusCounts = Record<MessageStatus, number> & { cancelled: number }

/** The code a cancelled delivery leaves on its unsent messages (#deliveries/actions/cancel_delivery). */
const CANCELLED = 'cancelled'

/** 1 for a message a cancelled delivery left unsent, else 0: a grouping column. */
function cancelledFlag(alias?: string) {
  const column = alias ? `${alias}.error_code` : 'error_code'
  const status = alias ? `${alias}.status` : 'status'
  // A literal, not a binding: PostgreSQL matches the SELECT expression to the GROUP BY one only
  // when they are written alike, and two bindings are two different parameters.
  return {
    sql: `case when ${status} = 'queued' and ${column} = '${CANCELLED}' then 1 else 0 end`,
    bindings: [] as string[],
  }
}

export interface DeliveryCounts {
  counts: StatusCounts
  byChannel: Record<Channel, StatusCounts>
}

export function emptyStatusCounts(): StatusCounts {
  return {
    ...(Object.fromEntries(MESSAGE_STATUSES.map((status) => [status, 0])) as Record<
      MessageStatus,
      number
    >),
    cancelled: 0,
  }
}

export function emptyDeliveryCounts(): DeliveryCounts {
  return {
    counts: emptyStatusCounts(),
    byChannel: { email: emptyStatusCounts(), whatsapp: emptyStatusCounts() },
  }
}

function add(
  into: DeliveryCounts,
  row: {
    channel: string
    status: string
    cancelled: number | string | boolean
    total: number | string
  }
) {
  if (!(MESSAGE_STATUSES as readonly string[]).includes(row.status)) return
  if (!(CHANNELS as readonly string[]).includes(row.channel)) return
  const key: keyof StatusCounts =
    Number(row.cancelled) === 1 ? 'cancelled' : (row.status as MessageStatus)
  into.counts[key] += Number(row.total)
  into.byChannel[row.channel as Channel][key] += Number(row.total)
}

/**
 * Counts of each delivery's messages, overall and per channel, in one
 * grouped query (by delivery, channel and status). Every id asked for is in
 * the map, with zeros when it has no message yet.
 */
export async function deliveryCounts(
  organizationId: string,
  deliveryIds: string[]
): Promise<Map<string, DeliveryCounts>> {
  const out = new Map(deliveryIds.map((id) => [id, emptyDeliveryCounts()]))
  if (deliveryIds.length === 0) return out
  const flag = cancelledFlag()
  const rows = (await db
    .from('delivery_messages')
    .where('organization_id', organizationId)
    .whereIn('delivery_id', deliveryIds)
    .groupBy('delivery_id', 'channel', 'status')
    .groupByRaw(flag.sql, flag.bindings)
    .select('delivery_id', 'channel', 'status', db.raw(`${flag.sql} as cancelled`, flag.bindings))
    .count('* as total')) as {
    delivery_id: string
    channel: string
    status: string
    cancelled: number | string
    total: number | string
  }[]
  for (const row of rows) add(out.get(row.delivery_id)!, row)
  return out
}

/**
 * A job's messages as they stand: for each recipient and channel only its
 * newest message (a resend replaces what came before), across every
 * delivery of the job. `alias` names `delivery_messages` in the query.
 */
export function currentMessagesOfJob(organizationId: string, jobId: string, alias = 'm') {
  return db
    .from(`delivery_messages as ${alias}`)
    .where(`${alias}.organization_id`, organizationId)
    .where(`${alias}.generation_job_id`, jobId)
    .whereNotExists((later) =>
      later
        .from('delivery_messages as newer')
        .whereRaw(`newer.recipient_id = ${alias}.recipient_id`)
        .whereRaw(`newer.channel = ${alias}.channel`)
        .where((order) =>
          order
            .whereRaw(`newer.created_at > ${alias}.created_at`)
            .orWhere((tie) =>
              tie
                .whereRaw(`newer.created_at = ${alias}.created_at`)
                .whereRaw(`newer.id > ${alias}.id`)
            )
        )
    )
}

/** The job's funnel: its current messages (newest per recipient and channel) by channel and status. */
export async function jobCounts(organizationId: string, jobId: string): Promise<DeliveryCounts> {
  const out = emptyDeliveryCounts()
  const query: DatabaseQueryBuilderContract = currentMessagesOfJob(organizationId, jobId)
  const flag = cancelledFlag('m')
  const rows = (await query
    .groupBy('m.channel', 'm.status')
    .groupByRaw(flag.sql, flag.bindings)
    .select('m.channel', 'm.status', db.raw(`${flag.sql} as cancelled`, flag.bindings))
    .count('* as total')) as {
    channel: string
    status: string
    cancelled: number | string
    total: number | string
  }[]
  for (const row of rows) add(out, row)
  return out
}

/**
 * When the job's last waiting message (queued or sending, as it stands) is
 * due: its retry or throttle time, else when it was queued. Null when
 * nothing waits.
 */
export async function jobWaitingUntil(organizationId: string, jobId: string) {
  const row = (await currentMessagesOfJob(organizationId, jobId)
    .whereIn('m.status', ['queued', 'sending'])
    .where((notCancelled) =>
      notCancelled.whereNull('m.error_code').orWhereNot('m.error_code', CANCELLED)
    )
    .max('m.next_attempt_at as until')
    .count('* as waiting')
    .first()) as { until: string | Date | null; waiting: number | string } | null
  return { waiting: Number(row?.waiting ?? 0), until: instantOf(row?.until ?? null) }
}

/** A timestamp read by a raw query: a Date (PostgreSQL) or UTC text (SQLite). */
function instantOf(value: string | Date | null): DateTime | null {
  if (value === null) return null
  if (value instanceof Date) return DateTime.fromJSDate(value, { zone: 'utc' })
  const parsed = DateTime.fromSQL(value, { zone: 'utc' })
  return parsed.isValid ? parsed : DateTime.fromISO(value, { zone: 'utc' })
}
