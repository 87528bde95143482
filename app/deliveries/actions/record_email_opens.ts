import { randomUUID } from 'node:crypto'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import { DateTime } from 'luxon'
import { dbTimestamp } from '#core/services/database_time'
import { ExpiringCache } from '#core/services/expiring_cache'
import { GroupCommit } from '#core/services/group_commit'
import { moveMessageStatus } from '#deliveries/services/message_status_updates'

const EVENTS = 'delivery_provider_webhook_events'

/**
 * - `recorded`: the first open of a tracked message, stored (and the message moved to `read` if it could).
 * - `repeat`: opened before; nothing written.
 * - `untracked`: no such email, or it was sent while the org did not track opens: nothing written.
 */
export type OpenOutcome = 'recorded' | 'repeat' | 'untracked'

/**
 * An open seen by a message's tracking image (#deliveries/services/open_tracking),
 * recorded once per message as an event of ours in
 * `delivery_provider_webhook_events` (`source` = `ours`, `event_type` =
 * `opened`, `dedupe_key` = `ours:opened:<message id>`), and the email moved
 * to `read` (email's "opened"), forward only: a failed message stays
 * failed. Only a message sent while its org tracked opens
 * (`tracks_opens`) is recorded: one sent while tracking was off never is.
 *
 * A flood costs no write per request: hits of one message in this process
 * share one answer, kept ten minutes (`ExpiringCache`), and the first hits
 * of different messages go together in one transaction (`GroupCommit`).
 */
export default class RecordEmailOpen {
  static handle(messageId: string): Promise<OpenOutcome> {
    return seen.get(messageId, () => openWrites.submit(messageId))
  }

  /** Forgets what this process saw (tests: the next hit goes to the database). */
  static forgetSeen() {
    seen.clear()
  }
}

const seen = new ExpiringCache<OpenOutcome>({ ttlMs: 600_000, maxEntries: 20_000 })

/** One group of first hits: the tracked messages read, their events inserted once, the new ones moved to `read`. */
async function writeOpens(
  trx: TransactionClientContract,
  messageIds: string[]
): Promise<OpenOutcome[]> {
  const now = DateTime.utc()
  const stamp = dbTimestamp(trx, now)
  const ids = [...new Set(messageIds)]
  const tracked: {
    id: string
    organization_id: string
    integration_id: string | null
    provider: string
    provider_message_id: string | null
  }[] = await trx
    .from('delivery_messages')
    .whereIn('id', ids)
    .where('channel', 'email')
    .where('tracks_opens', true)
    .select('id', 'organization_id', 'integration_id', 'provider', 'provider_message_id')
  const inserted = new Set<string>()
  if (tracked.length > 0) {
    const rows: { message_id: string }[] = await trx
      .insertQuery()
      .table(EVENTS)
      .multiInsert(
        tracked.map((message) => ({
          id: randomUUID(),
          organization_id: message.organization_id,
          integration_id: message.integration_id,
          channel: 'email',
          provider: message.provider,
          source: 'ours',
          provider_message_id: message.provider_message_id,
          message_id: message.id,
          event_type: 'opened',
          dedupe_key: `ours:opened:${message.id}`,
          payload: JSON.stringify({ seen_by: 'tracking_image' }),
          occurred_at: stamp,
          received_at: stamp,
          applied_at: stamp,
        }))
      )
      .knexQuery.onConflict('dedupe_key')
      .ignore()
      .returning(['message_id'])
    for (const row of rows) inserted.add(row.message_id)
  }
  for (const id of inserted) await moveMessageStatus(trx, id, { status: 'read', at: now })
  const trackedIds = new Set(tracked.map((message) => message.id))
  const answered = new Set<string>()
  return messageIds.map((id) => {
    if (!trackedIds.has(id)) return 'untracked'
    if (inserted.has(id) && !answered.has(id)) {
      answered.add(id)
      return 'recorded'
    }
    return 'repeat'
  })
}

/** The process's opens, written a transaction per group (#core/services/group_commit). */
const openWrites = new GroupCommit<string, OpenOutcome>(writeOpens)
