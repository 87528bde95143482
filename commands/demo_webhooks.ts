import { BaseCommand } from '@adonisjs/core/ace'
import type { CommandOptions } from '@adonisjs/core/types/ace'

/**
 * node ace demo:webhooks
 *
 * Subscribes the simulated WhatsApp Cloud API (`npm start` runs it beside
 * the app) to the webhook URL of every integration pointed at it, as an org
 * does in Meta's dashboard: `npm start` runs it once the server answers.
 * Safe to run again.
 */
export default class DemoWebhooks extends BaseCommand {
  static commandName = 'demo:webhooks'
  static description =
    'Subscribe the simulated WhatsApp Cloud API to the demo integrations’ webhooks'
  static options: CommandOptions = { startApp: true }

  async run() {
    const { subscribeDemoWebhooks } = await import('#database/demo_integrations')
    const lines = await subscribeDemoWebhooks()
    if (lines.length === 0) this.logger.info('no integration points at the simulated WhatsApp')
    for (const line of lines) this.logger.info(line)
  }
}
