import type { QueryClientContract } from '@adonisjs/lucid/types/database'
import type Organization from '#orgs/models/organization'
import { recordId } from '#orgs/queries/record_id'
import type { DeliveryAudience } from '#deliveries/models/delivery'
import { normalizedAddress } from '#deliveries/services/delivery_status'
import type { Channel } from '#deliveries/services/providers'

/** One recipient of a job and the issued certificates a message to them carries. */
export interface AudienceRecipient {
  recipientId: string
  name: string
  email: string | null
  phone: string | null
  certificates: { id: string; fileId: string | null }[]
}

/** Who gets a message on one channel, and who is left out and why. */
export interface ChannelAudience {
  channel: Channel
  /** Recipients to send to (suppressed ones included: their message ends `suppressed` at once). */
  recipients: AudienceRecipient[]
  /** Recipients whose normalized address is on the org's suppression list for this channel. */
  suppressed: Set<string>
  /** Recipients of the audience lacking this channel's address. */
  missingAddress: number
}

const IN_CHUNK = 500
const EMAIL = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/

/** A recipient's address on a channel, or null when they have none we can send to. */
export function addressOf(recipient: AudienceRecipient, channel: Channel): string | null {
  if (channel === 'email') {
    const email = recipient.email?.trim() ?? ''
    return EMAIL.test(email) ? email : null
  }
  const digits = (recipient.phone ?? '').replace(/\D+/g, '')
  return digits.length >= 8 && digits.length <= 15 ? recipient.phone!.trim() : null
}

function chunks<T>(values: T[]) {
  const out: T[][] = []
  for (let at = 0; at < values.length; at += IN_CHUNK) out.push(values.slice(at, at + IN_CHUNK))
  return out
}

/**
 * Of the picked certificate ids, those that are not an issued certificate of
 * this org's job (another org's, another job's, unknown, not issued yet or
 * revoked): the refusal names them.
 */
export async function certificatesNotInJob(
  client: QueryClientContract,
  org: Organization,
  jobId: string,
  certificateIds: string[]
) {
  const found = new Set<string>()
  const valid = certificateIds.filter((id) => recordId(id) === id)
  for (const chunk of chunks(valid)) {
    const rows = await client
      .from('certificates')
      .where('organization_id', org.id)
      .where('generation_job_id', jobId)
      .where('status', 'issued')
      .whereIn('id', chunk)
      .select('id')
    for (const row of rows) found.add(row.id)
  }
  return certificateIds.filter((id) => !found.has(id))
}

/** The job's recipients with issued certificates (only the picked ones when given), in list order. */
export async function recipientsWithCertificates(
  client: QueryClientContract,
  org: Organization,
  jobId: string,
  certificateIds: string[] | null
): Promise<AudienceRecipient[]> {
  const select = () =>
    client
      .from('certificates as c')
      .join('generation_job_recipients as r', 'r.id', 'c.generation_job_recipient_id')
      .where('c.organization_id', org.id)
      .where('c.generation_job_id', jobId)
      .where('c.status', 'issued')
      .select(
        'c.id',
        'c.certificate_file_id',
        'c.sequence_number',
        'r.id as recipient_id',
        'r.position',
        'r.recipient_name',
        'r.recipient_email',
        'r.recipient_phone'
      )
  const rows: Record<string, any>[] = []
  if (certificateIds === null) rows.push(...(await select()))
  else
    for (const chunk of chunks(certificateIds))
      rows.push(...(await select().whereIn('c.id', chunk)))
  rows.sort(
    (a, b) =>
      Number(a.position) - Number(b.position) ||
      Number(a.sequence_number) - Number(b.sequence_number)
  )
  const byRecipient = new Map<string, AudienceRecipient>()
  for (const row of rows) {
    let recipient = byRecipient.get(row.recipient_id)
    if (!recipient) {
      recipient = {
        recipientId: row.recipient_id,
        name: row.recipient_name,
        email: row.recipient_email,
        phone: row.recipient_phone,
        certificates: [],
      }
      byRecipient.set(row.recipient_id, recipient)
    }
    recipient.certificates.push({ id: row.id, fileId: row.certificate_file_id })
  }
  return [...byRecipient.values()]
}

/**
 * Recipients an audience leaves out on a channel, from the job's earlier
 * messages: `undelivered` leaves out those already sent to (sent or beyond)
 * and those with a message still on its way (queued, sending), so a second
 * "only undelivered" never doubles one in flight; `failed` keeps only those
 * whose latest message failed (on WhatsApp, unless the fallback email of
 * that message reached them).
 */
async function audienceFilter(
  client: QueryClientContract,
  jobId: string,
  channel: Channel,
  audience: DeliveryAudience
): Promise<((recipientId: string) => boolean) | null> {
  if (audience === 'all' || audience === 'picked') return null
  const rows = await client
    .from('delivery_messages')
    .where('generation_job_id', jobId)
    .where('channel', channel)
    .select('recipient_id', 'status', 'created_at', 'id')
    .orderBy('created_at', 'asc')
    .orderBy('id', 'asc')
  if (audience === 'undelivered') {
    const done = new Set(
      rows
        .filter((row) => !['failed', 'suppressed'].includes(row.status))
        .map((row) => row.recipient_id)
    )
    return (recipientId) => !done.has(recipientId)
  }
  const latest = new Map<string, { id: string; status: string }>()
  for (const row of rows) latest.set(row.recipient_id, { id: row.id, status: row.status })
  // A WhatsApp failure the fallback email made good is not to be tried again: the recipient
  // has their certificates (and the number, often not on WhatsApp, would likely fail again).
  const reachedByEmail = new Set<string>()
  if (channel === 'whatsapp') {
    const failedIds = [...latest.values()].filter((m) => m.status === 'failed').map((m) => m.id)
    for (let at = 0; at < failedIds.length; at += 500) {
      const fallbacks = await client
        .from('delivery_messages')
        .where('generation_job_id', jobId)
        .where('channel', 'email')
        .whereIn('fallback_of_message_id', failedIds.slice(at, at + 500))
        .whereIn('status', ['sent', 'delivered', 'read'])
        .select('recipient_id')
      for (const row of fallbacks) reachedByEmail.add(row.recipient_id)
    }
  }
  return (recipientId) =>
    latest.get(recipientId)?.status === 'failed' && !reachedByEmail.has(recipientId)
}

/** Of these normalized addresses, those on the org's suppression list for the channel. */
export async function suppressedAmong(
  client: QueryClientContract,
  organizationId: string,
  channel: Channel,
  addresses: string[]
) {
  const suppressed = new Set<string>()
  for (const chunk of chunks([...new Set(addresses)])) {
    const rows = await client
      .from('delivery_suppressions')
      .where('organization_id', organizationId)
      .where('channel', channel)
      .whereIn('address', chunk)
      .select('address')
    for (const row of rows) suppressed.add(row.address)
  }
  return suppressed
}

/** Per channel, who a delivery of this job would send to (StartDelivery and its estimate). */
export async function deliveryAudience(
  client: QueryClientContract,
  org: Organization,
  jobId: string,
  channels: Channel[],
  audience: DeliveryAudience,
  certificateIds: string[] | null
): Promise<ChannelAudience[]> {
  const everyone = await recipientsWithCertificates(
    client,
    org,
    jobId,
    audience === 'picked' ? certificateIds : null
  )
  const result: ChannelAudience[] = []
  for (const channel of channels) {
    const keep = await audienceFilter(client, jobId, channel, audience)
    const inAudience = keep ? everyone.filter((r) => keep(r.recipientId)) : everyone
    const recipients = inAudience.filter((r) => addressOf(r, channel) !== null)
    const suppressed = await suppressedAmong(
      client,
      org.id,
      channel,
      recipients.map((r) => normalizedAddress(channel, addressOf(r, channel)!))
    )
    result.push({
      channel,
      recipients,
      suppressed,
      missingAddress: inAudience.length - recipients.length,
    })
  }
  return result
}
