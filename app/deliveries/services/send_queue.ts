import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import type { DateTime } from 'luxon'
import deliveries from '#config/deliveries'
import { Queue } from '#core/queue/queue'
import { defineJob } from '#core/queue/registry'
import type { MessageProvider } from '#deliveries/services/delivery_status'
import { failUnsentMessages, sendBatch } from '#deliveries/services/send_worker'

/** A batch of one delivery's messages, all through one sender, in order. */
export interface SendPayload {
  deliveryId: string
  messageIds: string[]
}

/** A message just queued, as `enqueueSends` groups it. */
export interface QueuedMessage {
  id: string
  deliveryId: string
  integrationId: string | null
  provider: MessageProvider
}

/** Send jobs of one sender that may run at once, over all workers (the throttle spaces their sends). */
const SENDER_CONCURRENCY = 4

/**
 * `deliveries.send`: sends a batch of messages (#deliveries/services/send_worker).
 * A job that fails (our error, not a provider's answer) is retried; its
 * last failure fails the messages it still held.
 */
export const sendMessages = defineJob<SendPayload & { sender?: string }>('deliveries.send', {
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
