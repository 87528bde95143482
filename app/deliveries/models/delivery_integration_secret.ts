import { column } from '@adonisjs/lucid/orm'
import { TimestampedModel } from '#core/models/app_model'
import type { SecretType } from '#deliveries/services/providers'

/**
 * One secret of an integration, encrypted with the DELIVERY_SECRETS_KEY
 * keyring for the purpose `delivery_integration:<integration id>:<type>`
 * (#deliveries/services/integration_secrets reads and writes them).
 */
export default class DeliveryIntegrationSecret extends TimestampedModel {
  @column()
  declare integrationId: string

  @column()
  declare secretType: SecretType

  @column({ serializeAs: null })
  declare ciphertext: string

  /** The keyring entry that encrypted it: rotation finds rows still under an old key. */
  @column()
  declare keyId: string
}
