import db from '@adonisjs/lucid/services/db'
import { DateTime } from 'luxon'
import DeliveryIntegration from '#deliveries/models/delivery_integration'
import type Organization from '#orgs/models/organization'
import type GenerationJob from '#certificates/models/generation_job'
import OrgGenerationJobs from '#certificates/queries/org_generation_jobs'
import type { DeliveryAudience } from '#deliveries/models/delivery'
import { deliveryAudience } from '#deliveries/queries/delivery_audience'
import { channelSender } from '#deliveries/services/delivery_message_rows'
import type { Channel } from '#deliveries/services/providers'
import {
  DAY_MS,
  limitsOf,
  slotIntervalMs,
  throttleState,
  type SenderLimits,
} from '#deliveries/services/send_throttle'

export interface ChannelEstimate {
  channel: Channel
  /** Messages that would be sent (suppressed ones left out). */
  messages: number
  suppressed: number
  missingAddress: number
  /** `platform`, or the integration's provider; null: WhatsApp without an integration. */
  provider: string | null
  integrationId: string | null
  paused: boolean
  /** How long the throttles take to send them, after what this sender already has queued. */
  seconds: number
  /** "~3 h 20 min: your WhatsApp number may message 2,000 new people per 24 h". */
  summary: string
}

export type DeliveryEstimate =
  | { kind: 'estimate'; channels: ChannelEstimate[]; seconds: number; summary: string }
  | { kind: 'not_found' }

/** "~45 s", "~3 h 20 min", "~2 d 4 h". */
export function durationText(seconds: number) {
  if (seconds < 60) return `~${Math.max(1, Math.ceil(seconds))} s`
  const minutes = Math.ceil(seconds / 60)
  if (minutes < 60) return `~${minutes} min`
  const hours = Math.floor(minutes / 60)
  if (hours < 24) return `~${hours} h${minutes % 60 ? ` ${minutes % 60} min` : ''}`
  const days = Math.floor(hours / 24)
  return `~${days} d${hours % 24 ? ` ${hours % 24} h` : ''}`
}

const number = (n: number) => n.toLocaleString('en-US')

/**
 * How long `count` messages (to new recipients) take a sender: slots at its
 * rate after those already queued, and for WhatsApp its tier of unique
 * recipients per moving 24 h (what is left of today's, then a tier a day).
 */
export async function throttleSeconds(limits: SenderLimits, count: number, queuedAhead: number) {
  const now = Date.now()
  const state = await throttleState(db.connection(), limits.key, now)
  const interval = slotIntervalMs(limits.ratePerSecond)
  let ms = state.nextSlotMs - now + (queuedAhead + count) * interval
  let tierBound = false
  if (limits.dailyUniqueTier !== null) {
    const left = Math.max(0, limits.dailyUniqueTier - state.recentRecipients)
    const beyond = queuedAhead + count - left
    if (beyond > 0) {
      tierBound = true
      const days = Math.ceil(beyond / limits.dailyUniqueTier)
      const lastDay = beyond - (days - 1) * limits.dailyUniqueTier
      ms = Math.max(ms, (days - 1) * DAY_MS + DAY_MS + lastDay * interval)
    }
  }
  return { seconds: Math.max(0, ms) / 1000, tierBound }
}

/**
 * The preview of a delivery before it starts: per channel, the messages it
 * would send, the recipients it leaves out (no address, suppressed), and how
 * long the throttles take.
 */
export async function estimateDelivery(input: {
  org: Organization
  job: GenerationJob | string
  channels: Channel[]
  audience: DeliveryAudience
  certificateIds?: string[] | null
}): Promise<DeliveryEstimate> {
  const job = await OrgGenerationJobs.find(
    input.org,
    typeof input.job === 'string' ? input.job : input.job.id
  )
  if (!job) return { kind: 'not_found' }
  const audiences = await deliveryAudience(
    db.connection(),
    input.org,
    job.id,
    [...new Set(input.channels)],
    input.audience,
    input.audience === 'picked' ? (input.certificateIds ?? []) : null
  )
  const channels: ChannelEstimate[] = []
  for (const audience of audiences) {
    const sender = await channelSender(undefined, input.org.id, audience.channel)
    const messages = audience.recipients.length - audience.suppressed.size
    const base = {
      channel: audience.channel,
      messages,
      suppressed: audience.suppressed.size,
      missingAddress: audience.missingAddress,
    }
    if (!sender) {
      channels.push({
        ...base,
        provider: null,
        integrationId: null,
        paused: false,
        seconds: 0,
        summary: 'No WhatsApp integration: add one under Settings → Delivery.',
      })
      continue
    }
    const integration = sender.kind === 'integration' ? sender.integration : null
    const limits = limitsOf(integration, audience.channel)
    const aheadQuery = db
      .from('delivery_messages')
      .where('organization_id', input.org.id)
      .where('channel', audience.channel)
      .whereIn('status', ['queued', 'sending'])
      .where((query) => query.whereNull('error_code').orWhereNot('error_code', 'cancelled'))
    if (integration) aheadQuery.where('integration_id', integration.id)
    else aheadQuery.whereNull('integration_id')
    const [ahead] = await aheadQuery.count('* as total')
    const { seconds, tierBound } = await throttleSeconds(limits, messages, Number(ahead.total))
    const who = audience.channel === 'whatsapp' ? 'your WhatsApp number' : 'this sender'
    const summary = tierBound
      ? `${durationText(seconds)}: ${who} may message ${number(limits.dailyUniqueTier!)} new people per 24 h`
      : `${durationText(seconds)} at up to ${number(limits.ratePerSecond)} message${limits.ratePerSecond === 1 ? '' : 's'} a second`
    channels.push({
      ...base,
      provider: integration ? integration.provider : 'platform',
      integrationId: integration?.id ?? null,
      paused: Boolean(integration?.pausedAt),
      seconds,
      summary,
    })
  }
  const slowest = channels.reduce<ChannelEstimate | null>(
    (worst, c) => (!worst || c.seconds > worst.seconds ? c : worst),
    null
  )
  return {
    kind: 'estimate',
    channels,
    seconds: slowest?.seconds ?? 0,
    summary: slowest?.summary ?? '',
  }
}

/**
 * When the messages still waiting (queued or sending, not cancelled) of a
 * delivery, or of every delivery of a job, should all have gone: per
 * sender, its throttle's time for the count waiting (rate, window, and for
 * WhatsApp the daily tier), and never before the latest retry time set on
 * one of them. Null when nothing waits.
 */
export async function sendingFinishesAt(
  organizationId: string,
  of: { deliveryId: string } | { jobId: string }
): Promise<DateTime | null> {
  const query = db
    .from('delivery_messages')
    .where('organization_id', organizationId)
    .whereIn('status', ['queued', 'sending'])
    .where((notCancelled) =>
      notCancelled.whereNull('error_code').orWhereNot('error_code', 'cancelled')
    )
    .groupBy('integration_id', 'channel')
    .select('integration_id', 'channel')
    .count('* as waiting')
    .max('next_attempt_at as retry_at')
  if ('deliveryId' in of) query.where('delivery_id', of.deliveryId)
  else query.where('generation_job_id', of.jobId)
  const rows = await query
  if (rows.length === 0) return null
  let latest = Date.now()
  for (const row of rows) {
    const integration = row.integration_id
      ? await DeliveryIntegration.find(row.integration_id)
      : null
    const limits = limitsOf(integration, row.channel as Channel)
    const { seconds } = await throttleSeconds(limits, Number(row.waiting), 0)
    latest = Math.max(latest, Date.now() + seconds * 1000)
    if (row.retry_at) {
      const retry =
        row.retry_at instanceof Date
          ? row.retry_at.getTime()
          : DateTime.fromSQL(String(row.retry_at), { zone: 'utc' }).toMillis()
      if (Number.isFinite(retry)) latest = Math.max(latest, retry)
    }
  }
  return DateTime.fromMillis(latest, { zone: 'utc' })
}
