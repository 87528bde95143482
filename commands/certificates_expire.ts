import { BaseCommand } from '@adonisjs/core/ace'
import type { CommandOptions } from '@adonisjs/core/types/ace'

/**
 * node ace certificates:expire
 *
 * Marks issued certificates whose expiry has passed as expired. Idempotent:
 * safe to run every minute (npm start runs it every minute in the web process).
 */
export default class CertificatesExpire extends BaseCommand {
  static commandName = 'certificates:expire'
  static description = 'Mark certificates past their expiry as expired (idempotent)'
  static options: CommandOptions = { startApp: true }

  async run() {
    const { default: ExpireCertificates } =
      await import('#certificates/actions/expire_certificates')
    const count = await ExpireCertificates.handle()
    this.logger.info(`${count} certificate${count === 1 ? '' : 's'} expired`)
  }
}
