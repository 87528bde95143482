import { BaseCommand } from '@adonisjs/core/ace'
import type { CommandOptions } from '@adonisjs/core/types/ace'

/**
 * node ace bounces:receive
 *
 * The platform's bounce mailbox on its own (#deliveries/services/bounce_receiver):
 * an SMTP server on BOUNCE_SMTP_HOST:BOUNCE_SMTP_PORT taking the bounce
 * reports sent to `bounce+<token>@<BOUNCE_DOMAIN>`, until SIGTERM/SIGINT.
 * For a deployment whose MX host is not a web host; set BOUNCE_RECEIVER=off
 * on the web processes then, or they listen too.
 */
export default class BouncesReceive extends BaseCommand {
  static commandName = 'bounces:receive'
  static description = 'Run the bounce mailbox (an SMTP server for bounce reports) until stopped'
  static options: CommandOptions = { startApp: true, staysAlive: true }

  async run() {
    const { default: deliveries } = await import('#config/deliveries')
    if (!deliveries.bounces.domain) {
      this.logger.error('BOUNCE_DOMAIN is not set: there is no bounce address to receive mail for')
      this.exitCode = 1
      return this.terminate()
    }
    const { startBounceReceiver } = await import('#deliveries/services/bounce_receiver')
    const receiver = await startBounceReceiver()
    this.app.terminating(() => receiver.close())
    const stop = () => void this.terminate()
    process.once('SIGTERM', stop)
    process.once('SIGINT', stop)
  }
}
