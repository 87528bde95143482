import app from '@adonisjs/core/services/app'
import queue from '#config/queue'
import { QueueWorker } from '#core/queue/worker'

/**
 * Every kind of queue job, defined by its module (the queue in core imports
 * no module: each module's kinds come to it from here). A module with
 * background work adds its file to this list.
 */
import '#certificates/services/generation_queue'

/**
 * The web process runs a queue worker beside the HTTP server (rendering
 * happens in worker threads; its event loop only claims jobs and writes
 * rows) unless `QUEUE_WORKER=off` (or the older `GENERATION_WORKER=off`),
 * when standalone `node ace queue:work` processes do the work.
 */
if (app.getEnvironment() === 'web') {
  app.ready(() => {
    const worker = queue.worker === 'in-process' ? new QueueWorker() : null
    worker?.start()
    app.terminating(async () => {
      await worker?.stop()
      const { closeRenderThreads } = await import('#certificates/services/render_threads')
      await closeRenderThreads()
    })
  })
}
