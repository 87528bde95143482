import { BaseCommand } from '@adonisjs/core/ace'
import type { CommandOptions } from '@adonisjs/core/types/ace'

/**
 * node ace secrets:rotate
 *
 * After a new key is put first in DELIVERY_SECRETS_KEY (and the app
 * restarted): re-encrypts every delivery integration secret still under an
 * older key with the new one, then the old entry can be dropped. Rows that
 * cannot be read are listed and the command exits 1; nothing else changes.
 * Safe to run again.
 */
export default class SecretsRotate extends BaseCommand {
  static commandName = 'secrets:rotate'
  static description =
    "Re-encrypt delivery integrations' secrets under the current DELIVERY_SECRETS_KEY key"
  static options: CommandOptions = { startApp: true }

  async run() {
    const { default: RotateIntegrationSecrets } =
      await import('#deliveries/actions/rotate_integration_secrets')
    const { keyId, rotated, failures } = await RotateIntegrationSecrets.handle()
    this.logger.info(
      `${rotated} secret${rotated === 1 ? '' : 's'} re-encrypted under key "${keyId}"`
    )
    for (const failure of failures) {
      this.logger.error(
        `could not read the ${failure.secretType} of integration ${failure.integrationId} (${failure.code}): ` +
          'its key is missing from DELIVERY_SECRETS_KEY or the row was altered; set the secret again in Settings → Delivery'
      )
    }
    if (failures.length > 0) this.exitCode = 1
  }
}
