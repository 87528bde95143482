import { randomUUID } from 'node:crypto'
import db from '@adonisjs/lucid/services/db'
import { auditInOrg, type OrgActing } from '#orgs/actions/org_audit'
import DeliveryIntegration from '#deliveries/models/delivery_integration'
import { writeSecrets } from '#deliveries/services/integration_secrets'
import { checkIntegrationTarget } from '#deliveries/services/integration_hosts'
import {
  channelOf,
  type Channel,
  type Provider,
  type SecretType,
} from '#deliveries/services/providers'
import { lacksDefault, makeDefault } from '#deliveries/actions/default_integration'

export interface CreateDeliveryIntegrationInput extends OrgActing {
  channel: Channel
  provider: Provider
  name: string
  /** Validated by the provider's validator (API keys). */
  settings: Record<string, unknown>
  secrets?: Partial<Record<SecretType, string>>
  isDefault?: boolean
  via?: 'web' | 'api'
}

export type CreateDeliveryIntegrationResult =
  | { kind: 'created'; integration: DeliveryIntegration }
  | { kind: 'channel_mismatch'; message: string }
  | { kind: 'host_not_allowed'; field: string; reason: string }

/**
 * A new integration with its secrets and audit entry, in one transaction.
 * The first one of a channel becomes the default; the host or URL it
 * connects to must pass the SSRF check first.
 */
export default class CreateDeliveryIntegration {
  static async handle(
    input: CreateDeliveryIntegrationInput
  ): Promise<CreateDeliveryIntegrationResult> {
    if (channelOf(input.provider) !== input.channel) {
      return {
        kind: 'channel_mismatch',
        message: `The provider ${input.provider} sends on the ${channelOf(input.provider)} channel, not ${input.channel}.`,
      }
    }
    const target = await checkIntegrationTarget(input.provider, input.settings)
    if (target.kind === 'refused') {
      return { kind: 'host_not_allowed', field: target.field, reason: target.reason }
    }

    return db.transaction(async (trx) => {
      const integration = new DeliveryIntegration()
      integration.useTransaction(trx)
      integration.merge({
        // Known before the insert: the default switch and the secrets' purpose name it.
        id: randomUUID(),
        organizationId: input.org.id,
        channel: input.channel,
        provider: input.provider,
        displayName: input.name.trim(),
        isActive: true,
        isDefault: false,
        createdBy: input.actorUserId,
      })
      integration.applySettings(input.settings)
      if (input.isDefault || (await lacksDefault(trx, input.org.id, input.channel))) {
        await makeDefault(trx, integration)
      }
      await integration.save()
      const secretsSet = await writeSecrets(trx, integration, input.secrets ?? {})
      await auditInOrg(
        trx,
        input,
        'delivery_integration.created',
        { type: 'delivery_integration', id: integration.id },
        {
          name: integration.displayName,
          channel: integration.channel,
          provider: integration.provider,
          is_default: integration.isDefault,
          credentials_set: secretsSet,
          via: input.via ?? 'web',
        }
      )
      return { kind: 'created' as const, integration }
    })
  }
}
