import db from '@adonisjs/lucid/services/db'
import { DateTime } from 'luxon'
import { Queue } from '#core/queue/queue'
import { dbTimestamp } from '#core/services/database_time'
import { auditInOrg, type OrgActing } from '#orgs/actions/org_audit'
import { recordId } from '#orgs/queries/record_id'
import Delivery from '#deliveries/models/delivery'
import { sendMessages } from '#deliveries/services/send_queue'

export type CancelDeliveryResult =
  | { kind: 'cancelled'; delivery: Delivery; unsent: number }
  | { kind: 'not_found' }
  | { kind: 'finished'; delivery: Delivery; message: string }

/** What a queued message of a cancelled delivery carries: it stays `queued` and is never sent. */
export const CANCELLED_CODE = 'cancelled'

/**
 * Cancels a delivery of the org: its messages not sent yet stay `queued`
 * marked `error_code = 'cancelled'` (the worker skips them; counts show them
 * as cancelled), its send jobs not begun are cancelled, the delivery is
 * `cancelled`; in one transaction. A message in a provider's hands at that
 * moment ends as the provider answers.
 */
export default class CancelDelivery {
  static async handle(input: OrgActing & { deliveryId: string }): Promise<CancelDeliveryResult> {
    return db.transaction(async (trx) => {
      const query = Delivery.query({ client: trx })
        .where('organization_id', input.org.id)
        .where('id', recordId(input.deliveryId))
      if (trx.dialect.name === 'postgres') query.forUpdate()
      const delivery = await query.first()
      if (!delivery) return { kind: 'not_found' as const }
      if (delivery.status === 'completed' || delivery.status === 'cancelled')
        return {
          kind: 'finished' as const,
          delivery,
          message:
            delivery.status === 'cancelled'
              ? 'This delivery is already cancelled.'
              : 'This delivery has finished; there is nothing left to cancel.',
        }
      const now = dbTimestamp(trx)
      const unsent = await trx
        .from('delivery_messages')
        .where('delivery_id', delivery.id)
        .where('status', 'queued')
        .update({
          error_code: CANCELLED_CODE,
          error_message: 'The delivery was cancelled before this message was sent.',
          next_attempt_at: null,
          updated_at: now,
        })
      await Queue.cancel(trx, { kind: sendMessages, subjectId: delivery.id })
      delivery.status = 'cancelled'
      delivery.cancelledAt = DateTime.utc()
      delivery.finishedAt = DateTime.utc()
      await delivery.useTransaction(trx).save()
      const count = Array.isArray(unsent) ? Number(unsent[0] ?? 0) : Number(unsent)
      await auditInOrg(
        trx,
        input,
        'delivery.cancelled',
        { type: 'delivery', id: delivery.id },
        { unsent: count }
      )
      return { kind: 'cancelled' as const, delivery, unsent: count }
    })
  }
}
