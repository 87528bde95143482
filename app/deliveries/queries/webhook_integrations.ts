import { ExpiringCache } from '#core/services/expiring_cache'
import DeliveryIntegration from '#deliveries/models/delivery_integration'
import { readSecrets } from '#deliveries/services/integration_secrets'
import type { Provider, SecretType } from '#deliveries/services/providers'

type Found = {
  integration: DeliveryIntegration
  secrets: Partial<Record<SecretType, string>>
} | null

/**
 * A provider posts several notifications a second while a job is sent: the
 * integration and its decrypted secrets are kept a few seconds (a removed
 * integration or a new app secret is seen at most that late; the provider
 * retries what was refused meanwhile).
 */
const recent = new ExpiringCache<Found>({
  ttlMs: 10_000,
  maxEntries: 500,
  keeps: (found) => found !== null,
})

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/**
 * The integration a provider's webhook URL names (`/webhooks/<channel>/:id`),
 * with its secrets: only a live integration of one of these providers. A
 * removed one has no secrets left to check a signature with, so it is not
 * found either. The webhook has no org context: everything it then reads
 * or writes is scoped to this integration and its org.
 */
export async function webhookIntegration(id: string, providers: Provider[]): Promise<Found> {
  if (!UUID.test(id)) return null
  const found = await recent.get(id.toLowerCase(), () => load(id))
  return found && providers.includes(found.integration.provider) ? found : null
}

async function load(id: string): Promise<Found> {
  const integration = await DeliveryIntegration.query()
    .where('id', id)
    .whereNull('deleted_at')
    .first()
  if (!integration) return null
  return { integration, secrets: await readSecrets(integration) }
}
