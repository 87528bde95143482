import { DateTime } from 'luxon'
import db from '@adonisjs/lucid/services/db'
import type Organization from '#orgs/models/organization'
import { dbTimestamp } from '#core/services/database_time'
import { CHANNELS, type Channel } from '#deliveries/services/providers'

export interface ChannelFigures {
  sent: number
  delivered: number
  read: number
  failed: number
}

export interface MonthFigures {
  /** The first instant of the month counted (UTC). */
  since: DateTime
  byChannel: Record<Channel, ChannelFigures>
}

/**
 * The org's messages this month (UTC) per channel, each counted when it
 * happened: sent, delivered, read and failed this month. One grouped query.
 */
export async function monthFigures(org: Organization, now = DateTime.utc()): Promise<MonthFigures> {
  const since = now.toUTC().startOf('month')
  const stamp = dbTimestamp(undefined, since)
  const countSince = (column: string) =>
    db.raw(`sum(case when ${column} >= ? then 1 else 0 end) as ${column.replace('_at', '')}`, [
      stamp,
    ])
  const rows: {
    channel: Channel
    sent: number | string | null
    delivered: number | string | null
    read: number | string | null
    failed: number | string | null
  }[] = await db
    .from('delivery_messages')
    .where('organization_id', org.id)
    .where((recent) =>
      recent
        .where('sent_at', '>=', stamp)
        .orWhere('delivered_at', '>=', stamp)
        .orWhere('read_at', '>=', stamp)
        .orWhere('failed_at', '>=', stamp)
    )
    .groupBy('channel')
    .select(
      'channel',
      countSince('sent_at'),
      countSince('delivered_at'),
      countSince('read_at'),
      countSince('failed_at')
    )
  const byChannel = Object.fromEntries(
    CHANNELS.map((channel) => [channel, { sent: 0, delivered: 0, read: 0, failed: 0 }])
  ) as Record<Channel, ChannelFigures>
  for (const row of rows) {
    if (!byChannel[row.channel]) continue
    byChannel[row.channel] = {
      sent: Number(row.sent ?? 0),
      delivered: Number(row.delivered ?? 0),
      read: Number(row.read ?? 0),
      failed: Number(row.failed ?? 0),
    }
  }
  return { since, byChannel }
}
