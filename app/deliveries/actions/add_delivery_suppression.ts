import db from '@adonisjs/lucid/services/db'
import { auditInOrg, type OrgActing } from '#orgs/actions/org_audit'
import DeliverySuppression from '#deliveries/models/delivery_suppression'
import OrgDeliverySuppressions from '#deliveries/queries/org_delivery_suppressions'
import { normalizedAddress } from '#deliveries/services/delivery_status'
import type { Channel } from '#deliveries/services/providers'

export type AddDeliverySuppressionInput = OrgActing & {
  channel: Channel
  /** An email address, or a phone number with its country code (validated by the caller). */
  address: string
  detail: string | null
}

export type AddDeliverySuppressionResult =
  | { kind: 'added'; suppression: DeliverySuppression }
  | { kind: 'already_listed'; suppression: DeliverySuppression }

/**
 * Puts an address on the org's suppression list by hand: later sends to it
 * on that channel end `suppressed`. Already listed (for any reason): kept
 * as it is.
 */
export default class AddDeliverySuppression {
  static async handle(input: AddDeliverySuppressionInput): Promise<AddDeliverySuppressionResult> {
    return db.transaction(async (trx) => {
      const existing = await OrgDeliverySuppressions.findAddress(
        input.org,
        input.channel,
        input.address,
        trx
      )
      if (existing) return { kind: 'already_listed' as const, suppression: existing }
      const suppression = await DeliverySuppression.create(
        {
          organizationId: input.org.id,
          channel: input.channel,
          address: normalizedAddress(input.channel, input.address),
          reason: 'manual',
          detail: input.detail,
          messageId: null,
          createdBy: input.actorUserId,
        },
        { client: trx }
      )
      await auditInOrg(
        trx,
        input,
        'delivery_suppression.added',
        { type: 'delivery_suppression', id: suppression.id },
        { channel: suppression.channel, reason: 'manual' }
      )
      return { kind: 'added' as const, suppression }
    })
  }
}
