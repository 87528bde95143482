import db from '@adonisjs/lucid/services/db'
import { DateTime } from 'luxon'
import { auditInOrg, type OrgActing } from '#orgs/actions/org_audit'
import type DeliveryIntegration from '#deliveries/models/delivery_integration'
import DeliveryIntegrationSecret from '#deliveries/models/delivery_integration_secret'
import OrgDeliveryIntegrations from '#deliveries/queries/org_delivery_integrations'

export type RemoveDeliveryIntegrationResult =
  { kind: 'removed'; integration: DeliveryIntegration } | { kind: 'not_found' }

/**
 * Removes an integration: the row stays (soft delete, so messages sent
 * through it keep their history) but its secrets are deleted, since
 * nothing may use them again.
 */
export default class RemoveDeliveryIntegration {
  static async handle(
    input: OrgActing & { integrationId: string }
  ): Promise<RemoveDeliveryIntegrationResult> {
    return db.transaction(async (trx) => {
      const integration = await OrgDeliveryIntegrations.find(input.org, input.integrationId, trx)
      if (!integration) return { kind: 'not_found' as const }
      integration.deletedAt = DateTime.now()
      integration.isDefault = false
      integration.isActive = false
      await integration.save()
      await DeliveryIntegrationSecret.query({ client: trx })
        .where('integration_id', integration.id)
        .delete()
      await auditInOrg(
        trx,
        input,
        'delivery_integration.removed',
        { type: 'delivery_integration', id: integration.id },
        {
          name: integration.displayName,
          channel: integration.channel,
          provider: integration.provider,
        }
      )
      return { kind: 'removed' as const, integration }
    })
  }
}
