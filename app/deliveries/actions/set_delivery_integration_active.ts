import db from '@adonisjs/lucid/services/db'
import { auditInOrg, type OrgActing } from '#orgs/actions/org_audit'
import type DeliveryIntegration from '#deliveries/models/delivery_integration'
import OrgDeliveryIntegrations from '#deliveries/queries/org_delivery_integrations'
import { lacksDefault, makeDefault } from '#deliveries/actions/default_integration'

export type SetDeliveryIntegrationActiveResult =
  | { kind: 'changed'; integration: DeliveryIntegration }
  | { kind: 'unchanged'; integration: DeliveryIntegration }
  | { kind: 'not_found' }

/**
 * Disables or enables an integration. A disabled one sends nothing and
 * cannot stay the default (the channel falls back to no default, email to
 * the platform's sender); enabled again, it becomes the default only when
 * its channel has none.
 */
export default class SetDeliveryIntegrationActive {
  static async handle(
    input: OrgActing & { integrationId: string; active: boolean }
  ): Promise<SetDeliveryIntegrationActiveResult> {
    return db.transaction(async (trx) => {
      const integration = await OrgDeliveryIntegrations.find(input.org, input.integrationId, trx)
      if (!integration) return { kind: 'not_found' as const }
      if (integration.isActive === input.active) return { kind: 'unchanged' as const, integration }
      integration.isActive = input.active
      if (!input.active) integration.isDefault = false
      else if (await lacksDefault(trx, integration.organizationId, integration.channel)) {
        await makeDefault(trx, integration)
      }
      await integration.save()
      await auditInOrg(
        trx,
        input,
        input.active ? 'delivery_integration.enabled' : 'delivery_integration.disabled',
        { type: 'delivery_integration', id: integration.id },
        { name: integration.displayName, channel: integration.channel }
      )
      return { kind: 'changed' as const, integration }
    })
  }
}
