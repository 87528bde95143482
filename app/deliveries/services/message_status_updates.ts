import type { QueryClientContract } from '@adonisjs/lucid/types/database'
import type { DateTime } from 'luxon'
import { dbTimestamp } from '#core/services/database_time'
import {
  STATUS_TIMESTAMP,
  statusesBefore,
  type MessageStatus,
} from '#deliveries/services/delivery_status'

export interface StatusMove {
  status: Exclude<MessageStatus, 'queued'>
  /** When it happened (the provider's time for a notification). */
  at: DateTime
  /** `failed`: the provider's code and our plain-language reason. */
  errorCode?: string | null
  errorMessage?: string | null
}

/**
 * Moves one message forward with a conditional UPDATE
 * (`where status in statusesBefore(next)`), so two writers racing (the send
 * worker, a webhook, a replayed webhook) never move it backwards and a final
 * status stays final. Sets the status's timestamp; `delivered` and `read`
 * also fill `sent_at` (and `read` `delivered_at`) when the provider skipped
 * those notifications, since they imply them. Returns whether it moved.
 */
export async function moveMessageStatus(
  client: QueryClientContract,
  messageId: string,
  move: StatusMove
): Promise<boolean> {
  const at = dbTimestamp(client, move.at)
  const changes: Record<string, unknown> = {
    status: move.status,
    [STATUS_TIMESTAMP[move.status]]: at,
    updated_at: dbTimestamp(client),
  }
  if (move.status === 'delivered' || move.status === 'read') {
    changes.sent_at = client.knexRawQuery('COALESCE(sent_at, ?)', [at])
  }
  if (move.status === 'read') {
    changes.delivered_at = client.knexRawQuery('COALESCE(delivered_at, ?)', [at])
  }
  if (move.status === 'failed') {
    changes.error_code = move.errorCode ?? null
    changes.error_message = move.errorMessage?.slice(0, 1000) ?? null
  }
  const updated = await client
    .from('delivery_messages')
    .where('id', messageId)
    .whereIn('status', statusesBefore(move.status))
    .update(changes)
  return affectedRows(updated) > 0
}

/** Knex answers an UPDATE with a row count (PostgreSQL, SQLite) or `[count]` on some drivers. */
function affectedRows(result: unknown) {
  if (typeof result === 'number') return result
  if (Array.isArray(result) && typeof result[0] === 'number') return result[0]
  return 0
}
