import type { HttpContext } from '@adonisjs/core/http'
import logger from '@adonisjs/core/services/logger'
import RecordEmailOpen from '#deliveries/actions/record_email_opens'
import { TRANSPARENT_GIF, openPixelMessageId } from '#deliveries/services/open_tracking'

/**
 * `GET /deliveries/o/:token`: an email's tracking image
 * (#deliveries/services/open_tracking). Always the same 1×1 GIF, never
 * cached, whatever the token: a forged or unknown one records nothing and
 * looks no different, and a failed write is logged, never shown.
 */
export default class DeliveryOpensController {
  async show({ params, response }: HttpContext) {
    const messageId = openPixelMessageId(params.token)
    if (messageId) {
      try {
        await RecordEmailOpen.handle(messageId)
      } catch (error) {
        logger.warn({ err: error, messageId }, 'an email open could not be recorded')
      }
    }
    response.header('Content-Type', 'image/gif')
    response.header('Cache-Control', 'no-store, no-cache, must-revalidate, max-age=0')
    response.header('Pragma', 'no-cache')
    response.header('Expires', '0')
    response.header('Referrer-Policy', 'no-referrer')
    response.header('X-Robots-Tag', 'noindex')
    return response.send(TRANSPARENT_GIF)
  }
}
