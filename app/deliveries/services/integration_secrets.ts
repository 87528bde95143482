import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import type { DateTime } from 'luxon'
import { deliverySecrets } from '#config/secrets'
import DeliveryIntegrationSecret from '#deliveries/models/delivery_integration_secret'
import type DeliveryIntegration from '#deliveries/models/delivery_integration'
import { PROVIDER_SECRETS, type SecretType } from '#deliveries/services/providers'

/**
 * The only code that encrypts or decrypts an integration's secrets. The
 * purpose names the integration and the secret, so a ciphertext copied to
 * another row does not open there.
 */
export function secretPurpose(integrationId: string, type: SecretType) {
  return `delivery_integration:${integrationId}:${type}`
}

/** Stores (or replaces) the secrets given; absent ones are left as they are. Returns the types written. */
export async function writeSecrets(
  trx: TransactionClientContract,
  integration: DeliveryIntegration,
  secrets: Partial<Record<SecretType, string | undefined>>
): Promise<SecretType[]> {
  const keyring = deliverySecrets()
  const written: SecretType[] = []
  for (const { type } of PROVIDER_SECRETS[integration.provider]) {
    const plaintext = secrets[type]
    if (plaintext === undefined || plaintext === '') continue
    const ciphertext = keyring.encrypt(plaintext, secretPurpose(integration.id, type))
    const existing = await DeliveryIntegrationSecret.query({ client: trx })
      .where('integration_id', integration.id)
      .where('secret_type', type)
      .first()
    const row = existing ?? new DeliveryIntegrationSecret()
    row.useTransaction(trx)
    row.merge({
      integrationId: integration.id,
      secretType: type,
      ciphertext,
      keyId: keyring.currentKeyId,
    })
    await row.save()
    written.push(type)
  }
  return written
}

/** Which secrets are set and when each last changed: what a form shows instead of the value. */
export async function secretStates(
  integrations: DeliveryIntegration[]
): Promise<Map<string, Map<SecretType, DateTime>>> {
  const states = new Map<string, Map<SecretType, DateTime>>()
  if (integrations.length === 0) return states
  const rows = await DeliveryIntegrationSecret.query()
    .select('integration_id', 'secret_type', 'updated_at')
    .whereIn(
      'integration_id',
      integrations.map((integration) => integration.id)
    )
  for (const row of rows) {
    const forIntegration = states.get(row.integrationId) ?? new Map<SecretType, DateTime>()
    forIntegration.set(row.secretType, row.updatedAt)
    states.set(row.integrationId, forIntegration)
  }
  return states
}

/** The integration's secrets in clear, for the moment of a send; never logged, never returned. */
export async function readSecrets(
  integration: DeliveryIntegration,
  client?: TransactionClientContract
): Promise<Partial<Record<SecretType, string>>> {
  const keyring = deliverySecrets()
  const rows = await DeliveryIntegrationSecret.query(client ? { client } : {}).where(
    'integration_id',
    integration.id
  )
  const secrets: Partial<Record<SecretType, string>> = {}
  for (const row of rows) {
    secrets[row.secretType] = keyring.decrypt(
      row.ciphertext,
      secretPurpose(integration.id, row.secretType)
    )
  }
  return secrets
}
