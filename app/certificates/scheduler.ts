import app from '@adonisjs/core/services/app'
import generation from '#config/generation'
import { GenerationWorker } from '#certificates/services/generation_worker'
import { closeRenderThreads } from '#certificates/services/render_threads'

/**
 * What `npm start` runs beside the HTTP server, in the web process: a
 * generation worker (its rendering happens in worker threads; this event
 * loop only claims chunks and writes rows) unless `GENERATION_WORKER=off`
 * (when standalone `node ace queue:work` processes do the work). Expiry and
 * the other periodic work are scheduled in start/scheduler.ts.
 */
app.ready(() => {
  const worker = generation.worker === 'in-process' ? new GenerationWorker() : null
  worker?.start()
  app.terminating(async () => {
    await worker?.stop()
    await closeRenderThreads()
  })
})
