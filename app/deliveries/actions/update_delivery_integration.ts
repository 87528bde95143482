import db from '@adonisjs/lucid/services/db'
import { auditInOrg, type OrgActing } from '#orgs/actions/org_audit'
import type DeliveryIntegration from '#deliveries/models/delivery_integration'
import OrgDeliveryIntegrations from '#deliveries/queries/org_delivery_integrations'
import { writeSecrets } from '#deliveries/services/integration_secrets'
import { checkIntegrationTarget } from '#deliveries/services/integration_hosts'
import type { SecretType } from '#deliveries/services/providers'
import { makeDefault } from '#deliveries/actions/default_integration'

export interface UpdateDeliveryIntegrationInput extends OrgActing {
  integrationId: string
  name?: string
  /** Every setting (PUT replaces them), validated by the provider's validator. */
  settings: Record<string, unknown>
  /** Only the secrets given are replaced. */
  secrets?: Partial<Record<SecretType, string>>
  isDefault?: boolean
  via?: 'web' | 'api'
}

export type UpdateDeliveryIntegrationResult =
  | { kind: 'updated'; integration: DeliveryIntegration }
  | { kind: 'not_found' }
  | { kind: 'host_not_allowed'; field: string; reason: string }

/** New settings (all of them), the secrets that were sent, and the audit entry, in one transaction. */
export default class UpdateDeliveryIntegration {
  static async handle(
    input: UpdateDeliveryIntegrationInput
  ): Promise<UpdateDeliveryIntegrationResult> {
    const found = await OrgDeliveryIntegrations.find(input.org, input.integrationId)
    if (!found) return { kind: 'not_found' }
    const target = await checkIntegrationTarget(found.provider, input.settings)
    if (target.kind === 'refused') {
      return { kind: 'host_not_allowed', field: target.field, reason: target.reason }
    }

    return db.transaction(async (trx) => {
      const integration = await OrgDeliveryIntegrations.find(input.org, input.integrationId, trx)
      if (!integration) return { kind: 'not_found' as const }
      if (input.name !== undefined) integration.displayName = input.name.trim()
      integration.applySettings(input.settings)
      if (input.isDefault && integration.isActive) await makeDefault(trx, integration)
      await integration.save()
      const secretsChanged = await writeSecrets(trx, integration, input.secrets ?? {})
      await auditInOrg(
        trx,
        input,
        'delivery_integration.updated',
        { type: 'delivery_integration', id: integration.id },
        {
          name: integration.displayName,
          provider: integration.provider,
          credentials_changed: secretsChanged,
          via: input.via ?? 'web',
        }
      )
      return { kind: 'updated' as const, integration }
    })
  }
}
