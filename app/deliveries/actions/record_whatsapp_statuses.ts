import { createHash, randomUUID } from 'node:crypto'
import db from '@adonisjs/lucid/services/db'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import { DateTime } from 'luxon'
import { dbTimestamp } from '#core/services/database_time'
import { GroupCommit } from '#core/services/group_commit'
import type DeliveryIntegration from '#deliveries/models/delivery_integration'
import type DeliveryMessage from '#deliveries/models/delivery_message'
import { moveMessageStatus } from '#deliveries/services/message_status_updates'
import { whatsappErrorReason } from '#deliveries/services/whatsapp_sender'
import { forgetMediaOfMessage } from '#deliveries/services/whatsapp_media'

/** The statuses a WhatsApp notification may move a message to; others (`deleted`, `warning`) are only stored. */
const APPLIED = new Set(['sent', 'delivered', 'read', 'failed'])
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const EVENTS = 'delivery_provider_webhook_events'

/** One entry of a notification's `statuses`, with where it came from. */
interface WhatsappStatus {
  wamid: string
  status: string
  timestamp: string
  occurredAt: DateTime | null
  recipientId: string | null
  /** The number the status is of (`metadata.phone_number_id`): one app's numbers share its callback URL. */
  phoneNumberId: string | null
  callbackData: string | null
  error: { code: number | null; details: string | undefined } | null
  /** What is stored: the status as Meta sent it, and the envelope's ids. */
  raw: Record<string, unknown>
}

export interface RecordedStatuses {
  /** Statuses stored for the first time. */
  stored: number
  /** Statuses seen before (same message, status and time): stored once already. */
  duplicates: number
  /** Messages moved forward. */
  moved: number
  /** Statuses that matched no message of this integration (yet). */
  unmatched: number
  /** Messages this notification failed (a fallback to email may follow). */
  failedMessageIds: string[]
}

/**
 * A signed WhatsApp notification received on one integration's webhook
 * (or, for a status of another number of the same Meta app, that number's
 * integration: `sameApp`): every status in it is stored raw in `delivery_provider_webhook_events`,
 * once (`dedupe_key`: integration, wamid, status and the provider's time),
 * then applied to the message it names. Only messages sent through this
 * integration are looked at: matched by wamid, or by the message id the
 * sender put in `biz_opaque_callback_data` (the wamid may not be stored yet
 * when the notification overtakes the send worker). Statuses move forward
 * only (#deliveries/services/message_status_updates), so replays and
 * disorder change nothing backwards. Unknown fields are kept, not read.
 */
export default class RecordWhatsappStatuses {
  static async handle(input: {
    integration: DeliveryIntegration
    payload: unknown
    /**
     * The org's integrations under the same Meta app, by phone number id
     * (#deliveries/queries/webhook_integrations, `sameAppIntegrations`): a status of
     * another of the app's numbers is that integration's. Read only when a status names one.
     */
    sameApp?: () => Promise<Map<string, DeliveryIntegration>>
  }): Promise<RecordedStatuses> {
    const result: RecordedStatuses = {
      stored: 0,
      duplicates: 0,
      moved: 0,
      unmatched: 0,
      failedMessageIds: [],
    }
    // Every status is its own write, committed together with the statuses of the notifications
    // this process receives meanwhile; the answer waits for the commit (Meta retries a non-2xx).
    const statuses = statusesOf(input.payload)
    const ownNumber = input.integration.whatsappPhoneNumberId
    const otherNumbers = statuses.some((s) => s.phoneNumberId && s.phoneNumberId !== ownNumber)
    const siblings = otherNumbers && input.sameApp ? await input.sameApp() : null
    const written = await Promise.all(
      statuses.map((status) =>
        statusWrites.submit({
          integration:
            (status.phoneNumberId && siblings?.get(status.phoneNumberId)) || input.integration,
          status,
        })
      )
    )
    for (const outcome of written) {
      if (outcome.duplicate) result.duplicates++
      else result.stored++
      if (outcome.applied === null) continue
      if (outcome.applied === 'unmatched') result.unmatched++
      else if (outcome.applied.moved) {
        result.moved++
        if (outcome.status === 'failed') result.failedMessageIds.push(outcome.applied.messageId)
      }
    }
    return result
  }
}

interface StatusWrite {
  integration: DeliveryIntegration
  status: WhatsappStatus
}

interface StatusWritten {
  status: string
  duplicate: boolean
  /** Null: applied already (a duplicate); else what applying it did. */
  applied: Awaited<ReturnType<typeof applyStatus>> | null
}

/**
 * A group of statuses (from the notifications this process received while
 * the last group was written) stored once and applied, in the caller's
 * transaction, in a few statements whatever their number: the messages
 * they name are read together, the new events inserted in one statement
 * (already marked applied when their message is known), and only the
 * status moves go one by one, in order. A duplicate applied already
 * changes nothing; one stored before its message was known is tried again.
 */
async function writeStatuses(
  trx: TransactionClientContract,
  items: StatusWrite[]
): Promise<StatusWritten[]> {
  const matched = await matchingMessages(trx, items)
  const now = dbTimestamp(trx)
  const keys = items.map(({ integration, status }) => dedupeKeyOf(integration, status))
  // One row per dedupe key: a status twice in the group is a duplicate of its first.
  const firstOf = new Map<string, number>()
  keys.forEach((key, index) => firstOf.has(key) || firstOf.set(key, index))
  const rows = [...firstOf.entries()].map(([key, index]) => {
    const { integration, status } = items[index]
    const messageId = matched[index]
    return {
      id: randomUUID(),
      organization_id: integration.organizationId,
      integration_id: integration.id,
      channel: 'whatsapp',
      provider: 'whatsapp_cloud',
      provider_message_id: status.wamid,
      message_id: messageId,
      event_type: status.status,
      dedupe_key: key,
      payload: JSON.stringify(status.raw),
      occurred_at: status.occurredAt ? dbTimestamp(trx, status.occurredAt) : null,
      received_at: now,
      applied_at: messageId ? now : null,
    }
  })
  const inserted = new Set<string>()
  for (let at = 0; at < rows.length; at += INSERT_ROWS) {
    const stored: { dedupe_key: string }[] = await trx
      .insertQuery()
      .table(EVENTS)
      .multiInsert(rows.slice(at, at + INSERT_ROWS))
      .knexQuery.onConflict('dedupe_key')
      .ignore()
      .returning(['dedupe_key'])
    for (const row of stored) inserted.add(row.dedupe_key)
  }
  // Stored before this group: applied then, or waiting for its message.
  const earlier = new Map<string, { id: string; applied_at: unknown }>()
  const seen = [...firstOf.keys()].filter((key) => !inserted.has(key))
  for (let at = 0; at < seen.length; at += INSERT_ROWS) {
    const found = await trx
      .from(EVENTS)
      .whereIn('dedupe_key', seen.slice(at, at + INSERT_ROWS))
      .select('id', 'dedupe_key', 'applied_at')
    for (const row of found) earlier.set(row.dedupe_key, row)
  }

  const written: StatusWritten[] = []
  for (const [index, { status, integration }] of items.entries()) {
    const key = keys[index]
    const isNew = inserted.has(key) && firstOf.get(key) === index
    const messageId = matched[index]
    const before = earlier.get(key)
    if (!isNew && (!before || before.applied_at !== null || inserted.has(key))) {
      // Applied already (or by its first in this group).
      written.push({ status: status.status, duplicate: true, applied: null })
      continue
    }
    if (!messageId) {
      written.push({ status: status.status, duplicate: !isNew, applied: 'unmatched' })
      continue
    }
    const moved = await moveForStatus(trx, { id: messageId, integrationId: integration.id }, status)
    if (!isNew)
      await trx
        .from(EVENTS)
        .where('id', before!.id)
        .update({ message_id: messageId, applied_at: now })
    written.push({ status: status.status, duplicate: !isNew, applied: { messageId, moved } })
  }
  return written
}

/** Rows of one INSERT (and ids of one IN list): far below SQLite's bound-parameter limit. */
const INSERT_ROWS = 200

/** The process's statuses, written a transaction per group (#core/services/group_commit). */
const statusWrites = new GroupCommit<StatusWrite, StatusWritten>(writeStatuses)

/**
 * Applies the notifications that arrived before the message's wamid was
 * stored and matched nothing then: the send worker calls it right after it
 * stores the wamid of an accepted message — after that transaction commits,
 * or inside it by passing it as `trx` (SQLite has one writer: a second
 * transaction opened while the worker holds its own would wait for ever).
 */
export async function applyWaitingWhatsappStatuses(
  message: DeliveryMessage,
  trx?: TransactionClientContract
) {
  return applyWaitingWhatsappStatusesOf([message], trx)
}

/** `applyWaitingWhatsappStatuses` for several messages: one read for all of them. */
export async function applyWaitingWhatsappStatusesOf(
  messages: DeliveryMessage[],
  trx?: TransactionClientContract
) {
  const known = messages.filter((m) => m.integrationId && m.providerMessageId)
  if (known.length === 0) return 0
  const client = trx ?? db.connection()
  const byWamid = new Map(known.map((m) => [`${m.integrationId}\n${m.providerMessageId}`, m]))
  const waiting: {
    id: string
    payload: unknown
    integration_id: string
    provider_message_id: string
  }[] = []
  for (let at = 0; at < known.length; at += INSERT_ROWS) {
    const part = known.slice(at, at + INSERT_ROWS)
    waiting.push(
      ...(await client
        .from(EVENTS)
        .select('id', 'payload', 'integration_id', 'provider_message_id')
        .whereIn('integration_id', [...new Set(part.map((m) => m.integrationId!))])
        .where('provider', 'whatsapp_cloud')
        .whereIn(
          'provider_message_id',
          part.map((m) => m.providerMessageId!)
        )
        .whereNull('applied_at'))
    )
  }
  let moved = 0
  for (const row of waiting) {
    const message = byWamid.get(`${row.integration_id}\n${row.provider_message_id}`)
    if (!message) continue
    const payload = typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload
    const status = parseStatus(payload?.status, payload)
    if (!status) continue
    const integration = { id: message.integrationId!, organizationId: message.organizationId }
    const apply = async (writer: TransactionClientContract) => {
      const applied = await applyStatus(writer, integration, row.id, status)
      if (applied !== 'unmatched' && applied.moved) moved++
    }
    await (trx ? apply(trx) : db.transaction(apply))
  }
  return moved
}

/** Every status of the notification, in order; what is not a status (incoming messages, other fields) is skipped. */
function statusesOf(payload: unknown): WhatsappStatus[] {
  if (!isRecord(payload) || payload.object !== 'whatsapp_business_account') return []
  const statuses: WhatsappStatus[] = []
  for (const entry of arrayOf(payload.entry)) {
    if (!isRecord(entry)) continue
    for (const change of arrayOf(entry.changes)) {
      if (!isRecord(change) || !isRecord(change.value)) continue
      const metadata = isRecord(change.value.metadata) ? change.value.metadata : {}
      for (const item of arrayOf(change.value.statuses)) {
        const envelope = {
          waba_id: typeof entry.id === 'string' ? entry.id : null,
          field: typeof change.field === 'string' ? change.field : null,
          metadata,
          status: item,
        }
        const status = parseStatus(item, envelope)
        if (status) {
          const number = metadata.phone_number_id
          status.phoneNumberId =
            typeof number === 'string' || typeof number === 'number' ? String(number) : null
          statuses.push(status)
        }
      }
    }
  }
  return statuses
}

function parseStatus(item: unknown, raw: Record<string, unknown>): WhatsappStatus | null {
  if (!isRecord(item)) return null
  const { id, status, timestamp } = item
  if (typeof id !== 'string' || id === '' || id.length > 256) return null
  if (typeof status !== 'string' || status === '' || status.length > 64) return null
  const time =
    typeof timestamp === 'string' || typeof timestamp === 'number' ? String(timestamp) : ''
  const seconds = /^\d{1,12}$/.test(time) ? Number(time) : null
  const first = arrayOf(item.errors).find(isRecord)
  const errorData = first && isRecord(first.error_data) ? first.error_data : {}
  const details = [errorData.details, first?.message, first?.title].find(
    (text): text is string => typeof text === 'string' && text !== ''
  )
  return {
    wamid: id,
    status,
    timestamp: time,
    occurredAt: seconds === null ? null : DateTime.fromSeconds(seconds, { zone: 'utc' }),
    recipientId: typeof item.recipient_id === 'string' ? item.recipient_id : null,
    phoneNumberId: null,
    callbackData:
      typeof item.biz_opaque_callback_data === 'string' ? item.biz_opaque_callback_data : null,
    error: first
      ? { code: typeof first.code === 'number' ? first.code : Number(first.code) || null, details }
      : null,
    raw,
  }
}

/** One status of one integration: the same message, status and provider time is the same event. */
function dedupeKeyOf(integration: Pick<DeliveryIntegration, 'id'>, status: WhatsappStatus) {
  return `whatsapp:${createHash('sha256')
    .update(`${integration.id}\n${status.wamid}\n${status.status}\n${status.timestamp}`)
    .digest('hex')}`
}

/** Matches the status to a message of this integration and moves it; marks the event applied. */
async function applyStatus(
  trx: TransactionClientContract,
  integration: Pick<DeliveryIntegration, 'id' | 'organizationId'>,
  eventId: string,
  status: WhatsappStatus
): Promise<'unmatched' | { messageId: string; moved: boolean }> {
  const message = await matchingMessage(trx, integration, status)
  if (!message) return 'unmatched'
  const moved = await moveForStatus(trx, { id: message.id, integrationId: integration.id }, status)
  await trx
    .from(EVENTS)
    .where('id', eventId)
    .update({ message_id: message.id, applied_at: dbTimestamp(trx) })
  return { messageId: message.id, moved }
}

/** Moves the message forward to what the status says, if it says a status we apply. */
async function moveForStatus(
  trx: TransactionClientContract,
  message: { id: string; integrationId: string },
  status: WhatsappStatus
): Promise<boolean> {
  let moved = false
  if (APPLIED.has(status.status)) {
    const at = status.occurredAt ?? DateTime.utc()
    if (status.status === 'failed') {
      const code = status.error?.code ?? null
      moved = await moveMessageStatus(trx, message.id, {
        status: 'failed',
        at,
        errorCode: code === null ? 'whatsapp_failed' : String(code),
        errorMessage:
          code === null
            ? `WhatsApp could not deliver the message${status.error?.details ? `: ${status.error.details}` : '.'}`
            : whatsappErrorReason(code, status.error?.details, {
                to: status.recipientId ?? undefined,
              }),
      })
      // Meta could not use the PDF it was given: an uploaded media id is no good any more.
      if (code === 131052 || code === 131053) await forgetMediaOfMessage(trx, message)
    } else {
      moved = await moveMessageStatus(trx, message.id, {
        status: status.status as 'sent' | 'delivered' | 'read',
        at,
      })
    }
  }
  return moved
}

/**
 * The message of its integration each status names (by wamid, else by the
 * message id sent as callback data), or null: two reads for the group.
 */
async function matchingMessages(
  trx: TransactionClientContract,
  items: StatusWrite[]
): Promise<(string | null)[]> {
  const found: (string | null)[] = items.map(() => null)
  const byIntegration = new Map<string, number[]>()
  items.forEach((item, index) =>
    byIntegration.set(item.integration.id, [
      ...(byIntegration.get(item.integration.id) ?? []),
      index,
    ])
  )
  for (const indexes of byIntegration.values()) {
    const { integration } = items[indexes[0]]
    const ofIntegration = () =>
      trx
        .from('delivery_messages')
        .where('organization_id', integration.organizationId)
        .where('integration_id', integration.id)
        .where('provider', 'whatsapp_cloud')
    const wamids = [...new Set(indexes.map((index) => items[index].status.wamid))]
    const byWamid = new Map<string, string>()
    for (let at = 0; at < wamids.length; at += INSERT_ROWS) {
      for (const row of await messagesByWamid(trx, wamids.slice(at, at + INSERT_ROWS))) {
        if (ofThis(integration, row)) byWamid.set(row.provider_message_id, row.id)
      }
    }
    for (const index of indexes) found[index] = byWamid.get(items[index].status.wamid) ?? null
    // The wamid may not be stored yet (the notification overtook the send worker): the callback data.
    const callbacks = [
      ...new Set(
        indexes
          .filter((index) => found[index] === null)
          .map((index) => items[index].status.callbackData)
          .filter((data): data is string => !!data && UUID.test(data))
      ),
    ]
    const byId = new Map<string, string>()
    for (let at = 0; at < callbacks.length; at += INSERT_ROWS) {
      const rows = await ofIntegration()
        .whereIn('id', callbacks.slice(at, at + INSERT_ROWS))
        .select('id')
      for (const row of rows) byId.set(String(row.id).toLowerCase(), row.id)
    }
    for (const index of indexes) {
      const data = items[index].status.callbackData?.toLowerCase()
      if (found[index] === null && data) found[index] = byId.get(data) ?? null
    }
  }
  return found
}

/**
 * The messages with these wamids, whichever org's: by the (provider, provider_message_id) index alone.
 * With the org and integration in the WHERE clause SQLite's planner walked the org's messages by
 * (organization_id, created_at) instead, ~3 ms a webhook at 10,000 messages and growing; they are
 * checked on the rows (`ofThis`) instead.
 */
function messagesByWamid(trx: TransactionClientContract, wamids: string[]) {
  return trx
    .from('delivery_messages')
    .select('id', 'provider_message_id', 'organization_id', 'integration_id')
    .where('provider', 'whatsapp_cloud')
    .whereIn('provider_message_id', wamids) as Promise<
    { id: string; provider_message_id: string; organization_id: string; integration_id: string }[]
  >
}

/** The row is this integration's (and so its org's): a webhook applies to nothing else. */
const ofThis = (
  integration: Pick<DeliveryIntegration, 'id' | 'organizationId'>,
  row: { organization_id: string; integration_id: string }
) => row.organization_id === integration.organizationId && row.integration_id === integration.id

/** This integration's message the status names: by wamid, else by the message id sent as callback data. */
async function matchingMessage(
  trx: TransactionClientContract,
  integration: Pick<DeliveryIntegration, 'id' | 'organizationId'>,
  status: WhatsappStatus
): Promise<{ id: string } | null> {
  const ofIntegration = () =>
    trx
      .from('delivery_messages')
      .select('id')
      .where('organization_id', integration.organizationId)
      .where('integration_id', integration.id)
      .where('provider', 'whatsapp_cloud')
  const rows = await messagesByWamid(trx, [status.wamid])
  const byWamid = rows.find((row) => ofThis(integration, row))
  if (byWamid) return { id: byWamid.id }
  if (status.callbackData && UUID.test(status.callbackData)) {
    return (await ofIntegration().where('id', status.callbackData).first()) ?? null
  }
  return null
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

const arrayOf = (value: unknown): unknown[] => (Array.isArray(value) ? value : [])
