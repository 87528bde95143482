import db from '@adonisjs/lucid/services/db'
import { auditInOrg, type OrgActing } from '#orgs/actions/org_audit'
import type DeliveryIntegration from '#deliveries/models/delivery_integration'
import OrgDeliveryIntegrations from '#deliveries/queries/org_delivery_integrations'
import { makeDefault } from '#deliveries/actions/default_integration'

export type SetDefaultDeliveryIntegrationResult =
  | { kind: 'made_default'; integration: DeliveryIntegration }
  | { kind: 'disabled'; integration: DeliveryIntegration }
  | { kind: 'not_found' }

/** The integration the org's messages on its channel go through unless another is chosen. */
export default class SetDefaultDeliveryIntegration {
  static async handle(
    input: OrgActing & { integrationId: string }
  ): Promise<SetDefaultDeliveryIntegrationResult> {
    return db.transaction(async (trx) => {
      const integration = await OrgDeliveryIntegrations.find(input.org, input.integrationId, trx)
      if (!integration) return { kind: 'not_found' as const }
      if (!integration.isActive) return { kind: 'disabled' as const, integration }
      await makeDefault(trx, integration)
      await integration.save()
      await auditInOrg(
        trx,
        input,
        'delivery_integration.made_default',
        { type: 'delivery_integration', id: integration.id },
        { name: integration.displayName, channel: integration.channel }
      )
      return { kind: 'made_default' as const, integration }
    })
  }
}
