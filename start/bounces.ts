import app from '@adonisjs/core/services/app'
import logger from '@adonisjs/core/services/logger'
import deliveries from '#config/deliveries'
import { drainOnStop } from '#core/services/graceful_stop'

/**
 * The platform's bounce mailbox (#deliveries/services/bounce_receiver) runs
 * in the web process when BOUNCE_DOMAIN and BOUNCE_SMTP_PORT are set, as the
 * queue worker does (start/queue.ts). With several web processes
 * (WEB_CONCURRENCY) each listens and Node's cluster shares the port among
 * them, as it does the HTTP port. `BOUNCE_RECEIVER=off` leaves it to
 * `node ace bounces:receive`, run wherever port 25 of the MX host is.
 * On SIGTERM/SIGINT it stops taking connections with the HTTP server.
 */
const bounces = deliveries.bounces
if (
  app.getEnvironment() === 'web' &&
  bounces.domain &&
  bounces.port !== null &&
  bounces.receiver === 'in-process'
) {
  app.ready(async () => {
    const { startBounceReceiver } = await import('#deliveries/services/bounce_receiver')
    try {
      const receiver = await startBounceReceiver()
      drainOnStop('bounces', () => receiver.close())
      app.terminating(() => receiver.close())
    } catch (error) {
      // The web app still serves; bounces wait at the sending servers (they retry for days).
      logger.error({ err: error }, `the bounce mailbox could not listen on port ${bounces.port}`)
    }
  })
}
