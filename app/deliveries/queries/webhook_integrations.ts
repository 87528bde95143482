import { ExpiringCache } from '#core/services/expiring_cache'
import DeliveryIntegration from '#deliveries/models/delivery_integration'
import { readSecrets } from '#deliveries/services/integration_secrets'
import type { Provider, SecretType } from '#deliveries/services/providers'
import { constantTimeEqual } from '#core/services/constant_time'

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

const sameApp = new ExpiringCache<Map<string, DeliveryIntegration>>({
  ttlMs: 10_000,
  maxEntries: 500,
})

/**
 * The org's other WhatsApp integrations under the same Meta app as this one, by their phone
 * number id. Meta posts the statuses of every number of an app to the one callback URL the app
 * has, so a status naming another number (`metadata.phone_number_id`) arrives at whichever
 * integration's URL the app was given and belongs to that number's integration. The same app
 * secret is what makes them one app: the signature just checked with it vouches for the
 * notification, and an integration with another app secret (another app, another org) is never
 * reached this way. Kept a few seconds, as the integration itself is.
 */
export function sameAppIntegrations(found: NonNullable<Found>) {
  return sameApp.get(found.integration.id, async () => {
    const byNumber = new Map<string, DeliveryIntegration>()
    const appSecret = found.secrets.app_secret
    if (!appSecret) return byNumber
    const others = await DeliveryIntegration.query()
      .where('organization_id', found.integration.organizationId)
      .where('provider', 'whatsapp_cloud')
      .whereNot('id', found.integration.id)
      .whereNull('deleted_at')
    for (const other of others) {
      const number = other.whatsappPhoneNumberId
      if (!number || number === found.integration.whatsappPhoneNumberId) continue
      const secrets = await readSecrets(other)
      if (secrets.app_secret && constantTimeEqual(secrets.app_secret, appSecret)) {
        byNumber.set(number, other)
      }
    }
    return byNumber
  })
}
