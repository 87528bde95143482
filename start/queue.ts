import app from '@adonisjs/core/services/app'
import queue from '#config/queue'
import shutdown from '#config/shutdown'
import { drainOnStop, settledBy } from '#core/services/graceful_stop'
import { QueueWorker } from '#core/queue/worker'
import { webProcess } from '#core/services/web_cluster'

/**
 * Every kind of queue job, defined by its module (the queue in core imports
 * no module: each module's kinds come to it from here). A module with
 * background work adds its file to this list.
 */
import '#certificates/services/generation_queue'
import '#deliveries/services/test_message_queue'
import '#deliveries/services/send_queue'
import '#billing/services/invoice_queue'
import '#billing/services/invoice_notices'
import '#billing/services/usage_alert_mail'
import '#billing/services/razorpay_event_queue'

/**
 * The web process runs a queue worker beside the HTTP server (rendering
 * happens in worker threads; its event loop only claims jobs and writes
 * rows) unless `QUEUE_WORKER=off` (or the older `GENERATION_WORKER=off`),
 * when standalone `node ace queue:work` processes do the work. With several
 * web processes (WEB_CONCURRENCY) none runs one: their primary runs
 * `node ace queue:work` beside them (#core/services/web_cluster).
 *
 * On SIGTERM/SIGINT (bin/server.ts) the worker drains beside the HTTP
 * server: it claims nothing more, the jobs in hand may finish until the
 * stop's deadline, those still running are given back to the queue (for
 * any worker to claim at once, the attempt not counted) and the rendering
 * threads they wait on are ended.
 */
if (app.getEnvironment() === 'web') {
  app.ready(() => {
    const worker =
      queue.worker === 'in-process' && webProcess.count === 1 ? new QueueWorker() : null
    worker?.start()
    const closeThreads = async () => {
      const { closeRenderThreads } = await import('#certificates/services/render_threads')
      await closeRenderThreads()
    }
    if (worker) {
      drainOnStop('queue', async (deadline) => {
        await worker.stop({ deadline })
        if (worker.givenBack === 0) return
        // A job given back may still be drawing: ending the threads ends its run (it can write nothing now).
        await closeThreads()
        await settledBy(worker.finished(), Date.now() + shutdown.closeMs / 2)
      })
    }
    app.terminating(async () => {
      // Drained already after a signal; otherwise (the app terminated some other way) the same terms.
      await worker?.stop({ deadline: Date.now() + shutdown.graceMs })
      await closeThreads()
    })
  })
}
