import { hostname } from 'node:os'
import { setTimeout as sleep } from 'node:timers/promises'
import db from '@adonisjs/lucid/services/db'
import logger from '@adonisjs/core/services/logger'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import { DateTime } from 'luxon'
import { v7 as uuidv7 } from 'uuid'
import deliveries from '#config/deliveries'
import { Queue } from '#core/queue/queue'
import { defineJob } from '#core/queue/registry'
import type { RunningJob } from '#core/queue/running_job'
import { affectedRows } from '#core/queue/running_job'
import { dbTimestamp } from '#core/services/database_time'
import { SecretUndecryptable } from '#core/services/secret_keyring'
import Organization from '#orgs/models/organization'
import Delivery from '#deliveries/models/delivery'
import DeliveryAttempt from '#deliveries/models/delivery_attempt'
import DeliveryIntegration from '#deliveries/models/delivery_integration'
import DeliveryMessage from '#deliveries/models/delivery_message'
import { suppressedAmong } from '#deliveries/queries/delivery_audience'
import {
  channelSender,
  insertMessages,
  type QueuedMessage,
} from '#deliveries/services/delivery_message_rows'
import { normalizedAddress } from '#deliveries/services/delivery_status'
import { readSecrets } from '#deliveries/services/integration_secrets'
import { deliverySettingsOf } from '#deliveries/queries/delivery_settings'
import { checkIntegrationTarget } from '#deliveries/services/integration_hosts'
import { notifyIntegrationPaused } from '#deliveries/services/integration_pause_mail'
import type { SendOutcome } from '#deliveries/services/message_senders'
import { acceptedHooks, senders } from '#deliveries/services/message_sender_registry'
import { outgoingMessages, type SendContext } from '#deliveries/services/outgoing_messages'
import {
  limitsOf,
  planSlots,
  slotAnswered,
  type SenderLimits,
} from '#deliveries/services/send_throttle'
import { rememberUploadedMedia } from '#deliveries/services/whatsapp_media'
import { GroupCommit } from '#core/services/group_commit'
import { writeTransaction } from '#core/services/write_transaction'

/**
 * The worker side of a delivery: one `deliveries.send` job sends a batch of
 * messages of one sender, in order. Per message:
 *
 * 1. one transaction (fenced by the job's lease): the message moves to
 *    `sending` only if it is still what was read (queued, or `sending` left
 *    by a dead worker), a throttle slot is reserved, the attempt row is
 *    written (`sending`);
 * 2. the worker waits for its slot and calls the channel's sender;
 * 3. one transaction stores the outcome. It is fenced by the message's
 *    attempt number, not the job's lease: a provider's acceptance is stored
 *    even when the lease was lost meanwhile, so the next owner of the job
 *    never sends an accepted message again. Accepted → `sent` with the
 *    provider's id; transient → queued again after a backoff (the
 *    provider's Retry-After when longer), failed after the last try;
 *    permanent → `failed` (an email hard bounce suppresses the address; a
 *    WhatsApp failure queues the fallback email when asked); account → the
 *    message goes back to the queue, the integration pauses and the org's
 *    admins are told once, and the batch stops.
 *
 * A message found `sending` whose attempt began less than the send timeout
 * (and a second) ago belongs to a worker still in its call: it is looked at again after.
 * One that began longer ago was cut off between the call and the outcome
 * (a crash): it is sent again. Those are the only repeats a crash causes.
 *
 * A throttled remainder goes back to the queue to run when its slot comes.
 * The delivery is `completed` once none of its messages is queued or
 * sending.
 */
const WORKER = `${hostname()}:${process.pid}`

/** A batch of one delivery's messages, all through one sender, in order. */
export interface SendPayload {
  deliveryId: string
  messageIds: string[]
  /** The sender's key part (integration id, or `platform`): the jobs' concurrency key. */
  sender?: string
}

/** Send jobs of one sender that may run at once, over all workers (the throttle spaces their sends). */
const SENDER_CONCURRENCY = 4

/**
 * `deliveries.send`: sends a batch of messages (`sendBatch`). A job that
 * fails (our error, not a provider's answer) is retried; its last failure
 * fails the messages it still held.
 */
export const sendMessages = defineJob<SendPayload>('deliveries.send', {
  maxAttempts: () => 8,
  concurrency: (payload) => ({
    key: `deliveries.send:${payload.sender ?? 'platform'}`,
    limit: SENDER_CONCURRENCY,
  }),
  perform: (job) => sendBatch(job),
  failed: (trx, job) => failUnsentMessages(trx, job.payload),
})

/**
 * Enqueues send jobs for queued messages, in the caller's transaction: per
 * delivery and sender, batches of `deliveries.batchSize` in order. Call
 * `Queue.notify()` once it has committed.
 */
export async function enqueueSends(
  trx: TransactionClientContract,
  organizationId: string,
  messages: QueuedMessage[],
  runAt?: DateTime
) {
  const groups = new Map<string, QueuedMessage[]>()
  for (const message of messages) {
    const key = `${message.deliveryId}|${message.integrationId ?? message.provider}`
    groups.set(key, [...(groups.get(key) ?? []), message])
  }
  const jobs = []
  for (const group of groups.values()) {
    const sender = group[0].integrationId ?? 'platform'
    for (let at = 0; at < group.length; at += deliveries.batchSize) {
      jobs.push({
        payload: {
          deliveryId: group[0].deliveryId,
          messageIds: group.slice(at, at + deliveries.batchSize).map((m) => m.id),
          sender,
        },
        organizationId,
        subjectId: group[0].deliveryId,
        runAt,
      })
    }
  }
  if (jobs.length > 0) await Queue.enqueueMany(trx, sendMessages, jobs)
}

function nowMs() {
  return Date.now()
}

/** Delay before try `attempt + 1` after a transient error: exponential, capped, ±50 % jitter. */
export function retryDelayMs(attempt: number, retryAfterMs = 0, random = Math.random()) {
  const exponential = Math.min(
    deliveries.retryCapMs,
    deliveries.retryBaseMs * 2 ** Math.max(0, attempt - 1)
  )
  return Math.max(retryAfterMs, Math.round(exponential * (0.5 + random)))
}

async function withTimeout(promise: Promise<SendOutcome>): Promise<SendOutcome> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<SendOutcome>((resolve) => {
    timer = setTimeout(
      () =>
        resolve({
          outcome: 'transient',
          code: 'E_TIMEOUT',
          reason: `The provider did not answer within ${deliveries.sendTimeoutMs / 1000} seconds; it will be tried again.`,
        }),
      deliveries.sendTimeoutMs
    )
  })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}

/** Why a batch cannot be sent now: the integration's state decides. */
type SenderState =
  | { kind: 'ready'; context: SendContext; limits: SenderLimits }
  | { kind: 'paused' }
  | { kind: 'unusable'; code: string; reason: string }
  | { kind: 'pause'; integration: DeliveryIntegration; code: string; reason: string }

async function senderState(org: Organization, message: DeliveryMessage): Promise<SenderState> {
  if (message.provider !== 'platform' && !message.integrationId)
    return {
      kind: 'unusable',
      code: 'E_INTEGRATION_REMOVED',
      reason: 'The integration this message was to be sent through was removed.',
    }
  let integration: DeliveryIntegration | null = null
  let secrets = {}
  let addresses: string[] = []
  if (message.integrationId) {
    integration = await DeliveryIntegration.query()
      .where('id', message.integrationId)
      .where('organization_id', org.id)
      .first()
    if (!integration || integration.deletedAt)
      return {
        kind: 'unusable',
        code: 'E_INTEGRATION_REMOVED',
        reason: 'The integration this message was to be sent through was removed.',
      }
    if (!integration.isActive)
      return {
        kind: 'unusable',
        code: 'E_INTEGRATION_DISABLED',
        reason: `The integration “${integration.displayName}” was disabled before this message was sent.`,
      }
    if (integration.pausedAt) return { kind: 'paused' }
    try {
      secrets = await readSecrets(integration)
    } catch (error) {
      if (!(error instanceof SecretUndecryptable)) throw error
      return {
        kind: 'pause',
        integration,
        code: 'E_SECRETS_UNREADABLE',
        reason:
          'The saved secrets of this integration can no longer be read: enter them again and save.',
      }
    }
    // Checked again before each batch: a name can resolve elsewhere since it was saved.
    const target = await checkIntegrationTarget(integration.provider, integration.settings)
    if (target.kind === 'refused')
      return { kind: 'pause', integration, code: 'E_HOST_REFUSED', reason: target.reason }
    addresses = target.addresses
  }
  // Read once per batch: a message takes the setting of the moment it is first handed over.
  const { trackEmailOpens } = await deliverySettingsOf(org)
  return {
    kind: 'ready',
    context: { org, integration, secrets, addresses, templates: new Map(), trackEmailOpens },
    limits: limitsOf(integration, message.channel),
  }
}

/**
 * Pauses an integration (an account-level error) unless it is already:
 * true when this call paused it, so the admins are told once.
 */
async function pauseIntegration(
  trx: TransactionClientContract,
  integrationId: string,
  code: string,
  reason: string
) {
  const now = dbTimestamp(trx)
  const updated = await trx
    .from('delivery_integrations')
    .where('id', integrationId)
    .whereNull('paused_at')
    .update({
      paused_at: now,
      pause_code: code.slice(0, 64),
      pause_reason: reason.slice(0, 1000),
      updated_at: now,
    })
  return affectedRows(updated) === 1
}

/** The delivery is over when none of its messages is queued or sending. */
export async function completeIfDone(trx: TransactionClientContract, deliveryId: string) {
  const open = await trx
    .from('delivery_messages')
    .where('delivery_id', deliveryId)
    .whereIn('status', ['queued', 'sending'])
    .select('id')
    .first()
  if (open) return false
  const now = dbTimestamp(trx)
  await trx
    .from('deliveries')
    .where('id', deliveryId)
    .whereIn('status', ['queued', 'sending'])
    .update({ status: 'completed', finished_at: now, updated_at: now })
  return true
}

/** Fails the messages of a batch not sent yet (its job failed for good: our error, not the provider's). */
export async function failUnsentMessages(trx: TransactionClientContract, payload: SendPayload) {
  const now = dbTimestamp(trx)
  for (let at = 0; at < payload.messageIds.length; at += 500) {
    await trx
      .from('delivery_messages')
      .whereIn('id', payload.messageIds.slice(at, at + 500))
      .whereIn('status', ['queued', 'sending'])
      .update({
        status: 'failed',
        failed_at: now,
        error_code: 'E_INTERNAL',
        error_message: 'The message could not be sent because of an error on our side.',
        updated_at: now,
      })
  }
  await completeIfDone(trx, payload.deliveryId)
}

/** Marks messages failed before any attempt (their integration is gone or disabled). */
async function failMessages(
  job: RunningJob<SendPayload>,
  deliveryId: string,
  ids: string[],
  code: string,
  reason: string
) {
  await db.transaction(async (trx) => {
    await job.fence(trx)
    const now = dbTimestamp(trx)
    await trx.from('delivery_messages').whereIn('id', ids).where('status', 'queued').update({
      status: 'failed',
      failed_at: now,
      error_code: code,
      error_message: reason,
      updated_at: now,
    })
    await completeIfDone(trx, deliveryId)
    await job.complete(trx)
  })
}

/** What preparing a message came to: its slot, a later moment, or nothing (it moved on). */
type Prepared =
  | { kind: 'slot'; atMs: number; slotNo: number; attempt: number }
  | { kind: 'later'; atMs: number; reason: 'rate' | 'recipient_gap' | 'daily_tier' }
  | { kind: 'gone' }

/**
 * Moves messages to `sending` and reserves their throttle slots, with their
 * attempt rows, in one transaction (fenced by the job's lease). A message
 * that is no longer what was read (sent, cancelled, taken by another
 * worker) is `gone` and takes no slot; one that must wait for its
 * recipient's gap or the daily tier keeps its status, with the moment it
 * may go; once the rate says `later`, the rest of the group waits as long.
 */
async function prepareGroup(
  job: RunningJob<SendPayload>,
  group: DeliveryMessage[],
  limits: SenderLimits,
  deliveryQueued: boolean,
  trackEmailOpens: boolean
): Promise<Prepared[]> {
  return writeTransaction(async (trx) => {
    await job.fence(trx)
    const now = DateTime.utc()
    const stamp = dbTimestamp(trx, now)
    const plan = await planSlots(
      trx,
      limits,
      group.map((message) => ({ messageId: message.id, address: addressOf(message) })),
      now.toMillis()
    )
    const results: Prepared[] = []
    const kept: number[] = []
    const attempts = []
    for (const [index, message] of group.entries()) {
      const reservation = plan.reservations[index]
      if (reservation.kind === 'later') {
        if (reservation.reason !== 'rate')
          await trx
            .from('delivery_messages')
            .where('id', message.id)
            .where('status', 'queued')
            .update({
              next_attempt_at: dbTimestamp(trx, DateTime.fromMillis(reservation.atMs)),
            })
        results.push(reservation)
        continue
      }
      const attempt = message.attempts + 1
      // An email's open tracking is decided on its first hand-over and kept for its retries (the
      // same bytes every attempt, and never tracked later when it went untracked).
      const tracksOpens =
        message.channel === 'email' ? (message.tracksOpens ?? trackEmailOpens) : null
      const updated = await trx
        .from('delivery_messages')
        .where('id', message.id)
        .where('status', message.status)
        .where('attempts', message.attempts)
        .where((query) => query.whereNull('error_code').orWhereNot('error_code', 'cancelled'))
        .update({
          status: 'sending',
          attempts: attempt,
          sending_at: stamp,
          next_attempt_at: null,
          tracks_opens: tracksOpens,
          updated_at: stamp,
        })
      if (affectedRows(updated) !== 1) {
        results.push({ kind: 'gone' })
        continue
      }
      message.tracksOpens = tracksOpens
      kept.push(index)
      attempts.push({
        id: uuidv7(),
        organization_id: message.organizationId,
        message_id: message.id,
        attempt,
        outcome: 'sending',
        worker: WORKER,
        started_at: stamp,
      })
      results.push({ kind: 'slot', atMs: reservation.atMs, slotNo: reservation.slotNo, attempt })
    }
    await plan.commit(kept)
    // The log's numbers are final once committed.
    for (const index of kept) {
      const reservation = plan.reservations[index]
      if (reservation.kind === 'slot')
        (results[index] as { slotNo: number }).slotNo = reservation.slotNo
    }
    if (attempts.length > 0) await trx.table('delivery_attempts').multiInsert(attempts)
    if (deliveryQueued && kept.length > 0)
      await trx
        .from('deliveries')
        .where('id', group[0].deliveryId)
        .where('status', 'queued')
        .update({ status: 'sending', updated_at: stamp })
    return results
  })
}

function addressOf(message: DeliveryMessage) {
  return normalizedAddress(
    message.channel,
    message.channel === 'email' ? message.toEmail! : message.toPhone!
  )
}

interface Recorded {
  /** This outcome paused the integration (the admins are to be told). */
  paused: boolean
  /** The provider's acceptance was stored (its id is on the message). */
  accepted?: boolean
  /** Queued again for this moment (a transient error). */
  retryAtMs: number | null
}

/** The fallback email of a WhatsApp message that failed for good, when the delivery asks for one. */
async function queueFallbackEmail(
  trx: TransactionClientContract,
  delivery: Delivery,
  message: DeliveryMessage
): Promise<boolean> {
  const existing = await trx
    .from('delivery_messages')
    .where('delivery_id', delivery.id)
    .where('recipient_id', message.recipientId)
    .where('channel', 'email')
    .select('id')
    .first()
  if (existing) return false
  const recipient = await trx
    .from('generation_job_recipients')
    .where('id', message.recipientId)
    .select('recipient_name', 'recipient_email', 'recipient_phone')
    .first()
  const email = recipient?.recipient_email?.trim()
  if (!email || !/^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/.test(email)) return false
  const items = await trx
    .from('delivery_message_items')
    .where('message_id', message.id)
    .select('certificate_id', 'file_id')
  const sender = (await channelSender(trx, delivery.organizationId, 'email'))!
  const suppressed = await suppressedAmong(trx, delivery.organizationId, 'email', [
    normalizedAddress('email', email),
  ])
  const queued = await insertMessages(trx, [
    {
      organizationId: delivery.organizationId,
      deliveryId: delivery.id,
      generationJobId: delivery.generationJobId,
      recipient: {
        recipientId: message.recipientId,
        name: recipient.recipient_name,
        email,
        phone: recipient.recipient_phone,
        certificates: items.map((item) => ({ id: item.certificate_id, fileId: item.file_id })),
      },
      channel: 'email',
      sender,
      suppressed: suppressed.size > 0,
      fallbackOfMessageId: message.id,
    },
  ])
  await trx.from('deliveries').where('id', delivery.id).increment('total_messages', 1)
  await enqueueSends(trx, delivery.organizationId, queued)
  // A delivery that had finished (its WhatsApp message failed later, by webhook) is sending again.
  await trx
    .from('deliveries')
    .where('id', delivery.id)
    .where('status', 'completed')
    .update({ status: 'sending', finished_at: null, updated_at: dbTimestamp(trx) })
  return true
}

/**
 * The fallback emails of WhatsApp messages that failed for good after they
 * were sent (a `failed` status webhook, e.g. 131026), for deliveries that
 * asked for them: one per recipient not already emailed by the delivery.
 * In the caller's transaction (then `Queue.notify()` after it commits) or
 * in one of its own. Returns how many were queued.
 */
export async function queueFallbackEmails(
  messageIds: string[],
  client?: TransactionClientContract
): Promise<number> {
  if (messageIds.length === 0) return 0
  const run = async (trx: TransactionClientContract) => {
    const failed = await DeliveryMessage.query({ client: trx })
      .whereIn('id', messageIds)
      .where('channel', 'whatsapp')
      .where('status', 'failed')
    let queued = 0
    for (const message of failed) {
      const delivery = await Delivery.query({ client: trx })
        .where('id', message.deliveryId)
        .where('organization_id', message.organizationId)
        .first()
      if (!delivery?.fallbackToEmail || delivery.status === 'cancelled') continue
      if (await queueFallbackEmail(trx, delivery, message)) queued++
    }
    return queued
  }
  if (client) return run(client)
  const queued = await db.transaction(run)
  if (queued > 0) Queue.notify()
  return queued
}

/** A provider's answer for one attempt, to be stored. */
interface Answer {
  message: DeliveryMessage
  attempt: number
  outcome: SendOutcome
  slot: { key: string; slotNo: number }
}

/**
 * Stores a provider's answer for one attempt (see the module's comment) in
 * the caller's transaction: a send job's answers are stored together
 * (`GroupCommit`), each fenced by its own attempt number.
 */
async function recordOutcome(
  trx: TransactionClientContract,
  delivery: Delivery,
  { message, attempt, outcome, slot }: Answer
): Promise<Recorded> {
  {
    const now = DateTime.utc()
    await slotAnswered(trx, slot.key, slot.slotNo, message.id, now.toMillis())
    // A PDF uploaded on this attempt is good for the next ones whatever became of the message.
    if (outcome.uploaded) await rememberUploadedMedia(trx, message, outcome.uploaded)
    const stamp = dbTimestamp(trx, now)
    const mine = () =>
      trx
        .from('delivery_messages')
        .where('id', message.id)
        .where('status', 'sending')
        .where('attempts', attempt)
    const attemptRow = () =>
      trx.from('delivery_attempts').where('message_id', message.id).where('attempt', attempt)
    if (outcome.outcome === 'accepted') {
      const updated = await mine().update({
        status: 'sent',
        sent_at: stamp,
        provider_message_id: outcome.providerMessageId.slice(0, 256),
        error_code: null,
        error_message: null,
        updated_at: stamp,
      })
      // Moved on meanwhile (a status webhook raced us): the provider's id is still kept.
      if (affectedRows(updated) !== 1) {
        await trx
          .from('delivery_messages')
          .where('id', message.id)
          .whereNull('provider_message_id')
          .update({ provider_message_id: outcome.providerMessageId.slice(0, 256) })
      }
      await attemptRow().update({
        outcome: 'accepted',
        provider_message_id: outcome.providerMessageId.slice(0, 256),
        finished_at: stamp,
      })
      // The notifications that came before the provider's id was stored apply once the group's
      // answers are stored (`acceptedHooks`, called by the group's writer).
      message.providerMessageId = outcome.providerMessageId.slice(0, 256)
      return { paused: false, retryAtMs: null, accepted: true }
    }

    const code = outcome.code.slice(0, 64)
    const reason = outcome.reason.slice(0, 1000)
    await attemptRow().update({
      outcome: outcome.outcome,
      error_code: code,
      error_message: reason,
      finished_at: stamp,
    })

    if (outcome.outcome === 'account' && message.integrationId) {
      // Not the recipient's fault: the message waits for the integration to be fixed, the try not counted.
      await mine().update({
        status: 'queued',
        attempts: attempt - 1,
        error_code: code,
        error_message: reason,
        updated_at: stamp,
      })
      const paused = await pauseIntegration(trx, message.integrationId, code, reason)
      return { paused, retryAtMs: null }
    }

    if (
      (outcome.outcome === 'transient' || outcome.outcome === 'account') &&
      attempt < deliveries.maxSendAttempts
    ) {
      const retryAt = now.plus({ milliseconds: retryDelayMs(attempt, outcome.retryAfterMs) })
      await mine().update({
        status: 'queued',
        next_attempt_at: dbTimestamp(trx, retryAt),
        error_code: code,
        error_message: reason,
        updated_at: stamp,
      })
      return { paused: false, retryAtMs: retryAt.toMillis() }
    }

    const finalReason =
      outcome.outcome === 'permanent'
        ? reason
        : `${reason.replace(/ ?[Ii]t will be tried again\.?/, '')} Given up after ${attempt} tries.`.slice(
            0,
            1000
          )
    const failed = await mine().update({
      status: 'failed',
      failed_at: stamp,
      error_code: code,
      error_message: finalReason,
      updated_at: stamp,
    })
    if (affectedRows(failed) === 1 && outcome.outcome === 'permanent') {
      if (message.channel === 'email' && /^smtp_55[013]$/.test(code) && message.toEmail) {
        await trx.rawQuery(
          'INSERT INTO delivery_suppressions (id, organization_id, channel, address, reason, detail, message_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (organization_id, channel, address) DO NOTHING',
          [
            uuidv7(),
            message.organizationId,
            'email',
            normalizedAddress('email', message.toEmail),
            'hard_bounce',
            reason,
            message.id,
            stamp,
          ]
        )
      }
      if (delivery.fallbackToEmail && message.channel === 'whatsapp')
        await queueFallbackEmail(trx, delivery, message)
    }
    return { paused: false, retryAtMs: null }
  }
}

/**
 * How long a send job's first answer waits for others before they are stored together. The
 * answers of a group of sends come back spread over a few milliseconds: stored as each came, they
 * cost a transaction each (5,000 for 5,000 WhatsApp messages in the deliver bench).
 */
const ANSWERS_GATHER_MS = 3

/** Why a batch stopped before its end. */
type Stop = 'rate' | 'paused' | 'lost' | 'error' | null

/** The `deliveries.send` job: see the module's comment. */
export async function sendBatch(job: RunningJob<SendPayload>) {
  const { deliveryId, messageIds } = job.payload
  const delivery = await Delivery.query()
    .where('id', deliveryId)
    .where('organization_id', job.organizationId!)
    .first()
  // Cancelled: its queued messages were marked when it was; nothing is sent.
  if (!delivery || delivery.status === 'cancelled') return
  const loaded = await DeliveryMessage.query().whereIn('id', messageIds)
  const byId = new Map(loaded.map((m) => [m.id, m]))
  const messages = messageIds
    .map((id) => byId.get(id))
    .filter(
      (m): m is DeliveryMessage =>
        !!m && (m.status === 'queued' || m.status === 'sending') && m.errorCode !== 'cancelled'
    )
  if (messages.length === 0) {
    await finish(job, deliveryId, [], null)
    return
  }
  const org = await Organization.findOrFail(delivery.organizationId)
  const state = await senderState(org, messages[0])
  if (state.kind === 'paused') return
  if (state.kind === 'unusable') {
    await failMessages(
      job,
      deliveryId,
      messages.map((m) => m.id),
      state.code,
      state.reason
    )
    return
  }
  if (state.kind === 'pause') {
    const paused = await db.transaction(async (trx) => {
      await job.fence(trx)
      return pauseIntegration(trx, state.integration.id, state.code, state.reason)
    })
    if (paused) await notifyIntegrationPaused(state.integration, state.reason)
    return
  }
  const send = senders[messages[0].provider]
  if (!send) throw new Error(`No sender is registered for provider "${messages[0].provider}"`)

  const outgoingById = await outgoingMessages(state.context, messages)
  const limits = state.limits
  // The answers of this job's sends are stored together: one transaction for those that came
  // in while the last one ran.
  const answers = new GroupCommit<Answer, Recorded>(
    async (trx, items) => {
      const recorded: Recorded[] = []
      for (const item of items) recorded.push(await recordOutcome(trx, delivery, item))
      // Notifications that came before the providers' ids were stored (the WhatsApp webhooks'
      // catch-up), for the group's accepted messages at once.
      const accepted = items.filter((_, index) => recorded[index].accepted)
      const hook = acceptedHooks[messages[0].provider]
      if (hook && accepted.length > 0)
        await hook(
          accepted.map((item) => item.message),
          trx
        )
      return recorded
    },
    { gatherMs: ANSWERS_GATHER_MS }
  )

  const later: { id: string; atMs: number }[] = []
  let pausedHere = false
  /**
   * Set when the batch stops: the throttle's next slot is far (the rest goes
   * back to the queue), the integration paused, the lease went, or an
   * error of ours.
   */
  let stop = null as Stop
  let failure: unknown = null
  let rateAt = 0
  const rateDeferred: DeliveryMessage[] = []
  let cursor = 0
  let deliveryQueued = delivery.status === 'queued'

  /** A message that cannot go yet (a retry's moment, a live worker's call): back to the queue for then. */
  async function waitsAside(message: DeliveryMessage): Promise<boolean> {
    const now = nowMs()
    if (message.status === 'sending') {
      // A worker may still be in its call for this message: wait out the send timeout before resending.
      const last = await DeliveryAttempt.query()
        .where('message_id', message.id)
        .orderBy('attempt', 'desc')
        .first()
      const startedMs = last ? last.startedAt.toMillis() : 0
      const freeAt = startedMs + deliveries.sendTimeoutMs + 1_000
      if (freeAt > now) {
        later.push({ id: message.id, atMs: freeAt })
        return true
      }
    } else if (message.nextAttemptAt && message.nextAttemptAt.toMillis() > now) {
      later.push({ id: message.id, atMs: message.nextAttemptAt.toMillis() })
      return true
    }
    return false
  }

  /** A prepared message: waits for its slot, goes to the provider, its answer is stored. */
  async function sendPrepared(
    message: DeliveryMessage,
    prepared: Extract<Prepared, { kind: 'slot' }>
  ): Promise<void> {
    const wait = prepared.atMs - nowMs()
    if (wait > 0) await sleep(wait)
    // The lease went while waiting: the message stays `sending`; the job's next owner resends it after the timeout.
    if (job.lost) {
      stop = 'lost'
      return
    }
    const outgoing = outgoingById.get(message.id)!
    outgoing.message.attempts = prepared.attempt
    let outcome: SendOutcome
    try {
      outcome = await withTimeout(send!(outgoing))
    } catch (error) {
      logger.error({ err: error, message: message.id }, 'delivery sender threw')
      outcome = {
        outcome: 'transient',
        code: 'E_SENDER',
        reason: 'The message could not be handed to the provider; it will be tried again.',
      }
    }
    const recorded = await answers.submit({
      message,
      attempt: prepared.attempt,
      outcome,
      slot: { key: limits.key, slotNo: prepared.slotNo },
    })
    if (recorded.retryAtMs !== null) later.push({ id: message.id, atMs: recorded.retryAtMs })
    if (outcome.outcome === 'account' && message.integrationId) {
      pausedHere ||= recorded.paused
      // The integration is paused: the rest of the batch stays queued until it is resumed.
      stop = 'paused'
    }
  }

  // Several messages in flight at once (their slots still come from the throttle, in order): up
  // to `inFlightPerJob`, but never more than the sender's rate a second, so the slots reserved
  // stay within the next second rather than pushing the batch back to the queue. Free places are
  // filled a group at a time, once half the lanes are free (or all that is left fits): one
  // transaction prepares the group. Refilled as each answer came, a group was 1.4 messages and
  // the worker spent its time in those transactions (ARCHITECTURE.md, deliveries "Measured").
  const lanes = Math.max(1, Math.min(deliveries.inFlightPerJob, Math.floor(limits.ratePerSecond)))
  const refill = Math.max(1, Math.floor(lanes / 2))
  const inFlight = new Set<Promise<void>>()
  while (stop === null && cursor < messages.length) {
    if (lanes - inFlight.size < Math.min(refill, messages.length - cursor)) {
      await Promise.race(inFlight)
      continue
    }
    const group: DeliveryMessage[] = []
    try {
      while (group.length + inFlight.size < lanes && cursor < messages.length) {
        const message = messages[cursor++]
        if (!(await waitsAside(message))) group.push(message)
      }
    } catch (error) {
      failure ??= error
      stop ??= 'error'
      break
    }
    if (group.length === 0) continue
    let results: Prepared[]
    try {
      results = await prepareGroup(
        job,
        group,
        limits,
        deliveryQueued,
        state.context.trackEmailOpens
      )
    } catch (error) {
      // The sends in flight still store their answers before the job gives up.
      failure ??= error
      stop ??= 'error'
      break
    }
    for (const [index, message] of group.entries()) {
      const prepared = results[index]
      if (prepared.kind === 'gone') continue
      if (prepared.kind === 'later') {
        if (prepared.reason === 'rate') {
          // Every later message of this sender waits as long: the rest of the batch goes back to the queue.
          stop ??= 'rate'
          rateAt = Math.max(rateAt, prepared.atMs)
          rateDeferred.push(message)
        } else later.push({ id: message.id, atMs: prepared.atMs })
        continue
      }
      // The delivery is `sending` from its first message on: later ones need not say so again.
      deliveryQueued = false
      const task: Promise<void> = sendPrepared(message, prepared)
        .catch((error) => {
          failure ??= error
          stop ??= 'error'
        })
        .finally(() => inFlight.delete(task))
      inFlight.add(task)
    }
  }
  await Promise.all(inFlight)
  if (failure !== null) throw failure
  // Set inside the sends (TypeScript cannot see that): read through its declared type.
  if ((stop as Stop) === 'lost') return
  const continueAt =
    (stop as Stop) === 'rate'
      ? { ids: [...rateDeferred, ...messages.slice(cursor)].map((m) => m.id), atMs: rateAt }
      : null
  await finish(job, deliveryId, later, continueAt)
  if (pausedHere && state.context.integration) {
    const integration = await DeliveryIntegration.findOrFail(state.context.integration.id)
    await notifyIntegrationPaused(integration, integration.pauseReason ?? '')
  }
}

/**
 * The job's last transaction: the messages that wait (a retry, a recipient's
 * gap, the daily tier) and a throttled remainder go back to the queue for
 * when they may go, the delivery completes if nothing is left, and the job
 * is settled, together.
 */
async function finish(
  job: RunningJob<SendPayload>,
  deliveryId: string,
  later: { id: string; atMs: number }[],
  continueAt: { ids: string[]; atMs: number } | null
) {
  await db.transaction(async (trx) => {
    await job.fence(trx)
    const jobs = []
    const sender = job.payload.sender
    if (continueAt) {
      jobs.push({
        payload: { deliveryId, messageIds: continueAt.ids, sender },
        organizationId: job.organizationId,
        subjectId: deliveryId,
        runAt: DateTime.fromMillis(continueAt.atMs),
      })
    }
    if (later.length > 0) {
      jobs.push({
        payload: { deliveryId, messageIds: later.map((l) => l.id), sender },
        organizationId: job.organizationId,
        subjectId: deliveryId,
        runAt: DateTime.fromMillis(Math.min(...later.map((l) => l.atMs))),
      })
    }
    if (jobs.length > 0) await Queue.enqueueMany(trx, sendMessages, jobs)
    await completeIfDone(trx, deliveryId)
    await job.complete(trx)
  })
}
