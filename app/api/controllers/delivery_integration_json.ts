import type { DateTime } from 'luxon'
import type DeliveryIntegration from '#deliveries/models/delivery_integration'
import type { SecretType } from '#deliveries/services/providers'

/**
 * A delivery integration as the API sends it (API.md "Deliveries"), plus its
 * settings, which secrets are set (never their values) and the last test.
 */
export function deliveryIntegrationJson(
  integration: DeliveryIntegration,
  secrets: Map<SecretType, DateTime> | undefined
) {
  return {
    id: integration.id,
    channel: integration.channel,
    provider: integration.provider,
    name: integration.displayName,
    is_default: integration.isDefault,
    status: integration.status,
    sender: integration.sender,
    settings: integration.settings,
    secrets_set: [...(secrets ?? new Map<SecretType, DateTime>())].map(([type, changedAt]) => ({
      type,
      updated_at: changedAt.toUTC().toISO(),
    })),
    last_test: integration.lastTestStatus
      ? {
          status: integration.lastTestStatus,
          message: integration.lastTestMessage,
          to: integration.lastTestTo,
          at: integration.lastTestedAt?.toUTC().toISO() ?? null,
        }
      : null,
    created_at: integration.createdAt.toUTC().toISO(),
    updated_at: integration.updatedAt.toUTC().toISO(),
  }
}
