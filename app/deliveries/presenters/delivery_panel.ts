import type { DateTime } from 'luxon'
import type { DeliveryCounts, StatusCounts } from '#deliveries/queries/delivery_counts'
import type { FailureGroup } from '#deliveries/queries/delivery_failures'
import type { TimelineEntry } from '#deliveries/queries/delivery_timeline'
import type { JobDeliveryPanel } from '#deliveries/queries/job_delivery_panel'
import { ATTEMPT_WORDS, CHANNEL_WORDS } from '#deliveries/queries/delivery_timeline'
import { CHANNELS, type Channel } from '#deliveries/services/providers'

export interface FunnelBar {
  key: 'queued' | 'sent' | 'delivered' | 'read' | 'failed' | 'suppressed' | 'cancelled'
  label: string
  count: number
  /** Of the channel's messages, 0–100 (whole). */
  percent: number
}

export interface ChannelFunnel {
  channel: Channel
  label: string
  total: number
  /** Queued or being handed to the provider. */
  waiting: number
  bars: FunnelBar[]
}

/**
 * A channel's funnel as bars: every message queued, then how many reached
 * sent, delivered and read (a read message was delivered and sent), and
 * how many failed or were suppressed (and, when a delivery was cancelled,
 * how many were never sent). Email's read bar says "Opened" when the org
 * tracks opens.
 */
export function funnelOf(
  channel: Channel,
  counts: StatusCounts,
  options: { trackEmailOpens?: boolean } = {}
): ChannelFunnel {
  const total = Object.values(counts).reduce((sum, n) => sum + n, 0)
  const percent = (n: number) => (total === 0 ? 0 : Math.round((n / total) * 100))
  const reached = {
    queued: total,
    sent: counts.sent + counts.delivered + counts.read,
    delivered: counts.delivered + counts.read,
    read: counts.read,
    failed: counts.failed,
    suppressed: counts.suppressed,
    cancelled: counts.cancelled,
  }
  const labels: Record<FunnelBar['key'], string> = {
    queued: 'Queued',
    sent: 'Sent',
    delivered: 'Delivered',
    // An email is "read" only as far as its tracking image can tell: opened.
    read: channel === 'email' && options.trackEmailOpens ? 'Opened' : 'Read',
    failed: 'Failed',
    suppressed: 'Suppressed',
    cancelled: 'Cancelled',
  }
  return {
    channel,
    label: CHANNEL_WORDS[channel],
    total,
    waiting: counts.queued + counts.sending,
    bars: (Object.keys(labels) as FunnelBar['key'][])
      .filter((key) => key !== 'cancelled' || counts.cancelled > 0)
      .map((key) => ({
        key,
        label: labels[key],
        count: reached[key],
        percent: percent(reached[key]),
      })),
  }
}

/** The funnels of the channels that have messages (both when none has yet). */
export function funnelsOf(
  counts: DeliveryCounts,
  options: { trackEmailOpens?: boolean } = {}
): ChannelFunnel[] {
  const funnels = CHANNELS.map((channel) => funnelOf(channel, counts.byChannel[channel], options))
  const used = funnels.filter((funnel) => funnel.total > 0)
  return used.length > 0 ? used : funnels
}

/** "~3 h 20 min" from now until `at`; null when it is already due. */
export function durationUntil(at: DateTime | null, now: DateTime): string | null {
  if (!at) return null
  const seconds = at.diff(now, 'seconds').seconds
  if (seconds <= 0) return null
  if (seconds < 60) return 'under a minute'
  const minutes = Math.ceil(seconds / 60)
  if (minutes < 60) return `~${minutes} min`
  const hours = Math.floor(minutes / 60)
  const rest = minutes % 60
  if (hours >= 48) return `~${Math.round(hours / 24)} days`
  return rest ? `~${hours} h ${rest} min` : `~${hours} h`
}

export function failureGroupLabel(group: FailureGroup) {
  return `${CHANNEL_WORDS[group.channel]} · ${group.code}`
}

/** A timeline entry in words: what happened and, when there is one, the detail. */
export function timelineWords(entry: TimelineEntry): { title: string; detail: string | null } {
  const channel = CHANNEL_WORDS[entry.message.channel]
  const to = entry.message.channel === 'email' ? entry.message.toEmail : entry.message.toPhone
  switch (entry.kind) {
    case 'queued':
      return {
        title: `${channel} queued`,
        detail: [to ? `to ${to}` : null, entry.message.fallbackOfMessageId ? 'as a fallback' : null]
          .filter(Boolean)
          .join(', '),
      }
    case 'attempt': {
      const attempt = entry.attempt
      const error = attempt.errorCode
        ? `${attempt.errorMessage ?? ''} (${attempt.errorCode})`.trim()
        : null
      return {
        title: `${channel} attempt ${attempt.attempt}: ${ATTEMPT_WORDS[attempt.outcome]}`,
        detail:
          error ?? (attempt.providerMessageId ? `Provider id ${attempt.providerMessageId}` : null),
      }
    }
    case 'webhook': {
      const bounce = bounceReportWords(channel, entry.event.eventType, entry.event.payload)
      if (bounce) return bounce
      const type = entry.event.eventType
      if (type === 'opened' && entry.message.channel === 'email' && entry.event.appliedAt)
        return {
          title: `${channel} opened`,
          detail:
            entry.event.source === 'ours'
              ? 'Its tracking image loaded: a hint, not proof (many mail apps load or block images on their own).'
              : 'As the provider reported (its tracking image loaded): a hint, not proof.',
        }
      const status = type in STATUS_WORDS ? STATUS_WORDS[type as keyof typeof STATUS_WORDS] : null
      if (!entry.event.appliedAt || !status)
        return {
          title: `${channel} provider reported “${type}”`,
          detail: entry.event.appliedAt ? null : 'Received; it changed nothing (late or repeated).',
        }
      return {
        title: `${channel} ${status}`,
        detail:
          type === 'failed' && entry.message.errorCode
            ? `${entry.message.errorMessage ?? ''} (${entry.message.errorCode}), as the provider reported`.trim()
            : 'as the provider reported',
      }
    }
    case 'status':
      return {
        title: `${channel} ${statusWord(entry.message.channel, entry.status)}`,
        detail:
          entry.status === 'failed' && entry.message.errorCode
            ? `${entry.message.errorMessage ?? ''} (${entry.message.errorCode})`.trim()
            : null,
      }
    case 'fallback':
      return {
        title: 'WhatsApp failed for good: falling back to email',
        detail: entry.fallback.toEmail ? `to ${entry.fallback.toEmail}` : null,
      }
  }
}

/** A message's status in words: an email's `read` is "opened" (only its tracking image can tell). */
export function statusWord(
  channel: Channel,
  status: keyof typeof STATUS_WORDS | 'queued' | 'sending'
) {
  if (status === 'queued' || status === 'sending') return status
  return channel === 'email' && status === 'read' ? 'opened' : STATUS_WORDS[status]
}

/** A report from the platform's bounce mailbox (#deliveries/actions/record_bounce) in words; null for any other. */
function bounceReportWords(channel: string, eventType: string, payload: unknown) {
  if (typeof payload !== 'object' || payload === null) return null
  const report = payload as Record<string, unknown>
  if (report.source !== 'bounce_mailbox') return null
  const said = typeof report.diagnostic_code === 'string' ? ` — ${report.diagnostic_code}` : ''
  return {
    title:
      eventType === 'bounced'
        ? `${channel} bounced: the recipient’s mail server gave up on it`
        : `${channel} delayed: the recipient’s mail server is still trying`,
    detail: `Status ${String(report.status ?? 'unknown')}${said}`,
  }
}

const STATUS_WORDS = {
  sent: 'sent',
  delivered: 'delivered',
  read: 'read',
  failed: 'failed',
  suppressed: 'suppressed (address on the suppression list)',
} as const

/** The panel's view model: its data, the funnels as bars and how long the throttle still holds messages. */
export function panelOf(data: JobDeliveryPanel, now: DateTime) {
  return {
    ...data,
    funnels: funnelsOf(data.counts, { trackEmailOpens: data.trackEmailOpens }),
    hasMessages: Object.values(data.counts.counts).some((n) => n > 0),
    throttleLeft: data.waiting > 0 ? durationUntil(data.waitingUntil, now) : null,
    audienceWords: AUDIENCE_WORDS,
    statusWords: DELIVERY_STATUS_WORDS,
  }
}

const AUDIENCE_WORDS = {
  all: 'Everyone',
  undelivered: 'Not yet sent',
  failed: 'Failed ones',
  picked: 'Picked certificates',
} as const

const DELIVERY_STATUS_WORDS = {
  queued: 'Queued',
  sending: 'Sending',
  completed: 'Completed',
  cancelled: 'Cancelled',
} as const
