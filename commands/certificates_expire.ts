import { BaseCommand, flags } from '@adonisjs/core/ace'
import type { CommandOptions } from '@adonisjs/core/types/ace'

/**
 * node ace certificates:expire [--quiet]
 *
 * Marks issued certificates whose expiry has passed as expired. Idempotent:
 * scheduled every minute in start/scheduler.ts.
 */
export default class CertificatesExpire extends BaseCommand {
  static commandName = 'certificates:expire'
  static description = 'Mark certificates past their expiry as expired (idempotent)'
  static options: CommandOptions = { startApp: true }

  @flags.boolean({ description: 'Print nothing when no certificate expired' })
  declare quiet: boolean

  async run() {
    const { default: ExpireCertificates } =
      await import('#certificates/actions/expire_certificates')
    const count = await ExpireCertificates.handle()
    if (this.quiet && count === 0) return
    this.logger.info(`${count} certificate${count === 1 ? '' : 's'} expired`)
  }
}
