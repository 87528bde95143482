import db from '@adonisjs/lucid/services/db'
import { defineJob } from '#core/queue/registry'
import { Queue } from '#core/queue/queue'
import { dbTimestamp } from '#core/services/database_time'
import { applyRazorpayEvent } from '#billing/actions/apply_razorpay_entities'

export interface ApplyRazorpayEventPayload {
  /** Our `billing_provider_events` row. */
  eventId: string
}

const STATUS_OF = { applied: 'applied', ignored: 'ignored', malformed: 'failed' } as const

/**
 * A stored Razorpay webhook applied (`applyRazorpayEvent`), off the
 * webhook's answer: Razorpay counts an answer slower than 5 s as a failure.
 * The event's row, what it changed and the job's end commit together,
 * fenced; an event already applied is left as it is (a job run twice
 * changes nothing). After its last attempt the event is marked `failed`
 * with the error.
 */
export const applyRazorpayEventJob = defineJob<ApplyRazorpayEventPayload>(
  'billing.apply_razorpay_event',
  {
    async perform(job) {
      await db.transaction(async (trx) => {
        await job.fence(trx)
        const query = trx.from('billing_provider_events').where('id', job.payload.eventId)
        if (trx.dialect.name === 'postgres') query.forUpdate()
        const event = await query.first()
        if (event?.status === 'received') {
          const payload =
            typeof event.payload === 'string' ? JSON.parse(event.payload) : event.payload
          const outcome = await applyRazorpayEvent(trx, payload)
          const stamp = dbTimestamp(trx)
          await trx
            .from('billing_provider_events')
            .where('id', event.id)
            .update({
              status: STATUS_OF[outcome.kind],
              organization_id: outcome.organizationId,
              error: outcome.kind === 'applied' ? null : outcome.reason.slice(0, 1000),
              applied_at: stamp,
            })
        }
        await job.complete(trx)
      })
      // A credit note's PDF may have been enqueued.
      Queue.notify()
    },
    async failed(trx, job) {
      await trx
        .from('billing_provider_events')
        .where('id', job.payload.eventId)
        .where('status', 'received')
        .update({ status: 'failed', error: (job.lastError ?? 'failed').slice(0, 1000) })
    },
  }
)
