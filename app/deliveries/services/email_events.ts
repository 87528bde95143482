import { randomUUID } from 'node:crypto'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import type { DateTime } from 'luxon'
import { dbTimestamp } from '#core/services/database_time'
import type { SuppressionReason } from '#deliveries/models/delivery_suppression'
import type { MessageProvider } from '#deliveries/services/delivery_status'

/**
 * The writes every report about an email shares, whoever made it (an HTTP
 * provider's webhook, a mail server's bounce to the bounce mailbox): the
 * report stored raw once per dedupe key, and the address put on the org's
 * suppression list.
 */
const EVENTS = 'delivery_provider_webhook_events'

export interface EmailEventRow {
  organizationId: string
  integrationId: string | null
  provider: MessageProvider
  providerMessageId: string | null
  /** The message it names, when already known (a bounce address names it); else matched later. */
  messageId?: string | null
  eventType: string
  /** Unique over all reports: the same report received again is stored once. */
  dedupeKey: string
  occurredAt: DateTime | null
  payload: unknown
}

/** Inserts the report unless its dedupe key is stored already; its row id and whether it was a repeat. */
export async function storeEmailEventOnce(trx: TransactionClientContract, event: EmailEventRow) {
  const id = randomUUID()
  await trx
    .insertQuery()
    .table(EVENTS)
    .insert({
      id,
      organization_id: event.organizationId,
      integration_id: event.integrationId,
      channel: 'email',
      provider: event.provider,
      provider_message_id: event.providerMessageId?.slice(0, 256) ?? null,
      message_id: event.messageId ?? null,
      event_type: event.eventType.slice(0, 64),
      dedupe_key: event.dedupeKey,
      payload: JSON.stringify(event.payload),
      occurred_at: event.occurredAt ? dbTimestamp(trx, event.occurredAt) : null,
      received_at: dbTimestamp(trx),
      applied_at: null,
    })
    .knexQuery.onConflict('dedupe_key')
    .ignore()
  const stored = await trx
    .from(EVENTS)
    .select('id')
    .where('dedupe_key', event.dedupeKey)
    .firstOrFail()
  return { id: stored.id as string, duplicate: stored.id !== id }
}

/** Records which message a stored report was applied to (null: none matched, it waits). */
export async function markEmailEventApplied(
  trx: TransactionClientContract,
  eventId: string,
  messageId: string | null
) {
  await trx
    .from(EVENTS)
    .where('id', eventId)
    .update({ message_id: messageId, applied_at: messageId ? dbTimestamp(trx) : null })
}

/** Adds the (normalized) address to the org's email suppression list unless it is there; whether it was added. */
export async function suppressEmailAddress(
  trx: TransactionClientContract,
  organizationId: string,
  entry: { address: string; reason: SuppressionReason; detail: string; messageId: string | null }
) {
  const id = randomUUID()
  await trx
    .insertQuery()
    .table('delivery_suppressions')
    .insert({
      id,
      organization_id: organizationId,
      channel: 'email',
      address: entry.address,
      reason: entry.reason,
      detail: entry.detail.slice(0, 1000),
      message_id: entry.messageId,
      created_by: null,
      created_at: dbTimestamp(trx),
    })
    .knexQuery.onConflict(['organization_id', 'channel', 'address'])
    .ignore()
  const row = await trx
    .from('delivery_suppressions')
    .select('id')
    .where('organization_id', organizationId)
    .where('channel', 'email')
    .where('address', entry.address)
    .first()
  return row?.id === id
}
