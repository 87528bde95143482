import db from '@adonisjs/lucid/services/db'
import { auditInOrg, type OrgActing } from '#orgs/actions/org_audit'
import type DeliverySuppression from '#deliveries/models/delivery_suppression'
import OrgDeliverySuppressions from '#deliveries/queries/org_delivery_suppressions'

export type RemoveDeliverySuppressionInput = OrgActing & { suppressionId: string }

export type RemoveDeliverySuppressionResult =
  { kind: 'removed'; suppression: DeliverySuppression } | { kind: 'not_found' }

/** Takes an address off the org's suppression list: later sends reach it again. */
export default class RemoveDeliverySuppression {
  static async handle(
    input: RemoveDeliverySuppressionInput
  ): Promise<RemoveDeliverySuppressionResult> {
    return db.transaction(async (trx) => {
      const suppression = await OrgDeliverySuppressions.find(input.org, input.suppressionId, trx)
      if (!suppression) return { kind: 'not_found' as const }
      await suppression.useTransaction(trx).delete()
      await auditInOrg(
        trx,
        input,
        'delivery_suppression.removed',
        { type: 'delivery_suppression', id: suppression.id },
        { channel: suppression.channel, reason: suppression.reason }
      )
      return { kind: 'removed' as const, suppression }
    })
  }
}
