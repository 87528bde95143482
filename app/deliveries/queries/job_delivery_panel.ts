import { DateTime } from 'luxon'
import type Organization from '#orgs/models/organization'
import type GenerationJob from '#certificates/models/generation_job'
import OrgDeliveries from '#deliveries/queries/org_deliveries'
import {
  currentMessagesOfJob,
  deliveryCounts,
  jobCounts,
  jobWaitingUntil,
} from '#deliveries/queries/delivery_counts'
import {
  jobFailureGroups,
  jobFailureRows,
  jobFailuresReachedByEmail,
} from '#deliveries/queries/delivery_failures'
import { sendingFinishesAt } from '#deliveries/queries/delivery_estimate'
import { deliverySettingsOf } from '#deliveries/queries/delivery_settings'

/** How many of a job's deliveries the panel lists. */
const RECENT_DELIVERIES = 10
/** How long after a delivery finished the panel still looks for WhatsApp's receipts. */
const RECEIPTS_WATCHED_MS = 3_600_000
/** How many failed messages it lists with a resend button (the CSV has them all). */
const FAILED_MESSAGES_SHOWN = 20

/**
 * Everything the per-job delivery panel shows: the funnel per channel (each
 * recipient and channel at its newest message), how much still waits and
 * when the throttle lets the last of it go, failures grouped by reason,
 * and the job's latest deliveries with their own counts, and whether the
 * org tracks email opens. `sending` while
 * any delivery of the job is queued or sending: the island polls.
 */
export async function jobDeliveryPanel(org: Organization, job: GenerationJob) {
  const counts = await jobCounts(org.id, job.id)
  const waiting = await jobWaitingUntil(org.id, job.id)
  // When the throttles (rate, window, WhatsApp's daily tier) and retries let the last waiting one go.
  const finishesAt = waiting.waiting > 0 ? await sendingFinishesAt(org.id, { jobId: job.id }) : null
  const failures = await jobFailureGroups(org.id, job.id)
  // Integrations an account error paused while messages of this job wait on them.
  const paused =
    waiting.waiting > 0
      ? ((await currentMessagesOfJob(org.id, job.id)
          .whereIn('m.status', ['queued', 'sending'])
          .join('delivery_integrations as i', 'i.id', 'm.integration_id')
          .whereNotNull('i.paused_at')
          .distinct('i.id', 'i.display_name', 'i.pause_reason')) as {
          id: string
          display_name: string
          pause_reason: string | null
        }[])
      : []
  const reachedByEmail = failures.length ? await jobFailuresReachedByEmail(org.id, job.id) : 0
  const failedMessages = failures.length
    ? await jobFailureRows(org.id, job.id, { limit: FAILED_MESSAGES_SHOWN })
    : []
  const deliveries = await OrgDeliveries.ofJob(org, job.id).limit(RECENT_DELIVERIES)
  const perDelivery = await deliveryCounts(
    org.id,
    deliveries.map((delivery) => delivery.id)
  )
  const sending = deliveries.some((d) => d.status === 'queued' || d.status === 'sending')
  // Done sending, but WhatsApp's delivered and read receipts come for hours: for an hour after
  // the last delivery finished, while some are still only sent or delivered, the island keeps
  // looking, slowly.
  // Likewise opens of emails that carry a tracking image.
  const since = DateTime.utc().minus({ milliseconds: RECEIPTS_WATCHED_MS })
  const awaitingReceipts =
    !sending &&
    deliveries.some((d) => d.finishedAt !== null && d.finishedAt > since) &&
    !!(await currentMessagesOfJob(org.id, job.id)
      .where((receipts) =>
        receipts
          .where('m.channel', 'whatsapp')
          .orWhere((tracked) => tracked.where('m.channel', 'email').where('m.tracks_opens', true))
      )
      .whereIn('m.status', ['sent', 'delivered'])
      .select('m.id')
      .first())
  const { trackEmailOpens } = await deliverySettingsOf(org)
  return {
    job,
    counts,
    waiting: waiting.waiting,
    waitingUntil: finishesAt ?? waiting.until,
    failures,
    failedMessages,
    paused: paused.map((row) => ({
      id: row.id,
      name: row.display_name,
      reason: row.pause_reason ?? 'The provider refused the account.',
    })),
    failedTotal: counts.counts.failed,
    /** Of those, how many recipients the fallback email reached instead. */
    reachedByEmail,
    deliveries: deliveries.map((delivery) => {
      const ofDelivery = perDelivery.get(delivery.id)!
      const total = (channel: 'email' | 'whatsapp') =>
        Object.values(ofDelivery.byChannel[channel]).reduce((sum, n) => sum + n, 0)
      // Messages per channel when both have some (a WhatsApp delivery's fallback emails).
      const perChannel = { email: total('email'), whatsapp: total('whatsapp') }
      return {
        delivery,
        counts: ofDelivery,
        perChannel: perChannel.email > 0 && perChannel.whatsapp > 0 ? perChannel : null,
      }
    }),
    sending,
    awaitingReceipts,
    /** The org tracks email opens now: email's read bar reads "Opened". */
    trackEmailOpens,
  }
}

export type JobDeliveryPanel = Awaited<ReturnType<typeof jobDeliveryPanel>>
