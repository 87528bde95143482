import app from '@adonisjs/core/services/app'
import logger from '@adonisjs/core/services/logger'
import generation from '#config/generation'
import ExpireCertificates from '#certificates/actions/expire_certificates'
import { GenerationWorker } from '#certificates/services/generation_worker'
import { closeRenderThreads } from '#certificates/services/render_threads'

/**
 * What `npm start` runs beside the HTTP server, in the web process: a
 * generation worker (its rendering happens in worker threads; this event
 * loop only claims chunks and writes rows) unless `GENERATION_WORKER=off`
 * (when standalone `node ace queue:work` processes do the work), and the
 * expiry sweep every minute. Timers are unref'd.
 */
const EXPIRE_EVERY_MS = 60_000

async function expire() {
  try {
    const count = await ExpireCertificates.handle()
    if (count) logger.info({ count }, 'certificates expired')
  } catch (error) {
    logger.error({ err: error }, 'could not expire certificates')
  }
}

app.ready(() => {
  const worker = generation.worker === 'in-process' ? new GenerationWorker() : null
  worker?.start()
  const first = setTimeout(expire, 3_000)
  const every = setInterval(expire, EXPIRE_EVERY_MS)
  first.unref()
  every.unref()
  app.terminating(async () => {
    clearTimeout(first)
    clearInterval(every)
    await worker?.stop()
    await closeRenderThreads()
  })
})
