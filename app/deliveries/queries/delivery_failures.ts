import db from '@adonisjs/lucid/services/db'
import { currentMessagesOfJob } from '#deliveries/queries/delivery_counts'
import type { Channel } from '#deliveries/services/providers'
import { whatsappErrorReason } from '#deliveries/services/whatsapp_sender'

export interface FailureGroup {
  channel: Channel
  code: string
  /** The plain-language reason (one of the group's, they share the code). */
  reason: string
  count: number
}

/** One failed message as the failures CSV lists it. */
export interface FailureRow {
  messageId: string
  recipientId: string
  recipientName: string
  channel: Channel
  to: string | null
  code: string
  reason: string
  failedAt: string | Date | null
  attempts: number
  certificateNumbers: string
  /** A WhatsApp failure whose fallback email reached the recipient (sent or beyond). */
  reachedByEmail: boolean
}

const UNKNOWN_CODE = 'unknown'

interface GroupRow {
  channel: Channel
  code: string | null
  reason: string | null
  other_reason: string | null
  total: string | number
}

/**
 * A group's reason names none of its recipients: a message's own reason
 * may (WhatsApp's "+91… cannot receive WhatsApp messages", a mail server's
 * "rejected the message to …"), and a group of several shown with one of
 * theirs would put one person's address on everyone's line.
 */
function groupReason(row: GroupRow): string {
  const reason = row.reason ?? 'No reason was recorded.'
  if (Number(row.total) === 1 || row.reason === row.other_reason) return reason
  if (row.channel === 'whatsapp' && row.code && /^\d+$/.test(row.code))
    return whatsappErrorReason(Number(row.code), undefined, {})
  return `Failed with ${row.code ?? 'no code'}; each message’s own reason is in the list and the CSV.`
}

/**
 * Why a job's messages failed, as they stand now (a recipient resent
 * successfully no longer counts): grouped by channel and the provider's
 * code, biggest group first.
 */
export async function jobFailureGroups(
  organizationId: string,
  jobId: string
): Promise<FailureGroup[]> {
  const rows: GroupRow[] = await currentMessagesOfJob(organizationId, jobId)
    .where('m.status', 'failed')
    .groupBy('m.channel', 'm.error_code')
    .select('m.channel', 'm.error_code as code')
    .max('m.error_message as reason')
    .min('m.error_message as other_reason')
    .count('* as total')
  return rows
    .map((row) => ({
      channel: row.channel,
      code: row.code ?? UNKNOWN_CODE,
      reason: groupReason(row),
      count: Number(row.total),
    }))
    .sort(
      (a, b) =>
        b.count - a.count || a.channel.localeCompare(b.channel) || a.code.localeCompare(b.code)
    )
}

/**
 * A job's failed messages (as they stand), a page at a time in id order
 * for an export: `after` is the last id of the previous page.
 */
export async function jobFailureRows(
  organizationId: string,
  jobId: string,
  options: { after?: string | null; limit?: number; channel?: Channel; code?: string } = {}
): Promise<FailureRow[]> {
  const query = currentMessagesOfJob(organizationId, jobId)
    .where('m.status', 'failed')
    .join('generation_job_recipients as r', 'r.id', 'm.recipient_id')
  if (options.after) query.where('m.id', '>', options.after)
  if (options.channel) query.where('m.channel', options.channel)
  if (options.code !== undefined) {
    if (options.code === UNKNOWN_CODE) query.whereNull('m.error_code')
    else query.where('m.error_code', options.code)
  }
  const rows = await query
    .orderBy('m.id', 'asc')
    .limit(options.limit ?? 1000)
    .select(
      'm.id',
      'm.recipient_id',
      'r.recipient_name',
      'm.channel',
      'm.to_email',
      'm.to_phone',
      'm.error_code',
      'm.error_message',
      'm.failed_at',
      'm.attempts'
    )
  if (rows.length === 0) return []
  const numbers: { message_id: string; certificate_number: string }[] = await db
    .from('delivery_message_items as i')
    .join('certificates as c', 'c.id', 'i.certificate_id')
    .whereIn(
      'i.message_id',
      rows.map((row) => row.id)
    )
    .orderBy('c.sequence_number', 'asc')
    .select('i.message_id', 'c.certificate_number')
  // Failures the recipient was reached despite: the fallback email went.
  // A fallback is its failure's delivery's email to the same recipient (that unique index finds it).
  const fallbacks: { fallback_of_message_id: string }[] = await db
    .from('delivery_messages as m')
    .join('delivery_messages as fb', (join) =>
      join
        .on('fb.delivery_id', 'm.delivery_id')
        .andOn('fb.recipient_id', 'm.recipient_id')
        .andOnVal('fb.channel', 'email')
    )
    .whereIn(
      'm.id',
      rows.map((row) => row.id)
    )
    .whereRaw('fb.fallback_of_message_id = m.id')
    .whereIn('fb.status', REACHED)
    .select('fb.fallback_of_message_id')
  const reached = new Set(fallbacks.map((row) => row.fallback_of_message_id))
  const byMessage = new Map<string, string[]>()
  for (const row of numbers) {
    const list = byMessage.get(row.message_id) ?? []
    list.push(row.certificate_number)
    byMessage.set(row.message_id, list)
  }
  return rows.map((row) => ({
    messageId: row.id,
    recipientId: row.recipient_id,
    recipientName: row.recipient_name,
    channel: row.channel,
    to: row.channel === 'email' ? row.to_email : row.to_phone,
    code: row.error_code ?? UNKNOWN_CODE,
    reason: row.error_message ?? 'No reason was recorded.',
    failedAt: row.failed_at,
    attempts: Number(row.attempts),
    certificateNumbers: (byMessage.get(row.id) ?? []).join(' '),
    reachedByEmail: reached.has(row.id),
  }))
}

/** A message at one of these has reached its provider's hands or the recipient. */
const REACHED = ['sent', 'delivered', 'read']

/** How many of a job's failed messages (as they stand) were made good by their fallback email. */
export async function jobFailuresReachedByEmail(organizationId: string, jobId: string) {
  const [row] = await currentMessagesOfJob(organizationId, jobId)
    .where('m.status', 'failed')
    .whereExists((query) =>
      query
        .from('delivery_messages as fb')
        .whereRaw('fb.delivery_id = m.delivery_id')
        .whereRaw('fb.recipient_id = m.recipient_id')
        .where('fb.channel', 'email')
        .whereRaw('fb.fallback_of_message_id = m.id')
        .whereIn('fb.status', REACHED)
        .select('fb.id')
    )
    .count('* as total')
  return Number(row?.total ?? 0)
}
