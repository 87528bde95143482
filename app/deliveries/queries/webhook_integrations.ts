import DeliveryIntegration from '#deliveries/models/delivery_integration'
import { readSecrets } from '#deliveries/services/integration_secrets'
import type { Provider, SecretType } from '#deliveries/services/providers'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/**
 * The integration a provider's webhook URL names (`/webhooks/<channel>/:id`),
 * with its secrets: only a live integration of one of these providers. A
 * removed one has no secrets left to check a signature with, so it is not
 * found either. The webhook has no org context: everything it then reads
 * or writes is scoped to this integration and its org.
 */
export async function webhookIntegration(
  id: string,
  providers: Provider[]
): Promise<{
  integration: DeliveryIntegration
  secrets: Partial<Record<SecretType, string>>
} | null> {
  if (!UUID.test(id)) return null
  const integration = await DeliveryIntegration.query()
    .where('id', id)
    .whereIn('provider', providers)
    .whereNull('deleted_at')
    .first()
  if (!integration) return null
  return { integration, secrets: await readSecrets(integration) }
}
