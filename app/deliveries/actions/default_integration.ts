import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import DeliveryIntegration from '#deliveries/models/delivery_integration'

/**
 * Makes `integration` its org's default on its channel: the previous
 * default is cleared first, in the caller's transaction, so the partial
 * unique index (one default per org and channel) never sees two.
 */
export async function makeDefault(
  trx: TransactionClientContract,
  integration: DeliveryIntegration
) {
  await DeliveryIntegration.query({ client: trx })
    .where('organization_id', integration.organizationId)
    .where('channel', integration.channel)
    .where('is_default', true)
    .whereNot('id', integration.id)
    .update({ is_default: false })
  integration.isDefault = true
}

/** True when the org has no default left on this channel (a new integration becomes it). */
export async function lacksDefault(
  trx: TransactionClientContract,
  organizationId: string,
  channel: DeliveryIntegration['channel']
) {
  const current = await DeliveryIntegration.query({ client: trx })
    .where('organization_id', organizationId)
    .where('channel', channel)
    .where('is_default', true)
    .whereNull('deleted_at')
    .first()
  return current === null
}
