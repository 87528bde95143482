await import('reflect-metadata')
import { Ignitor, prettyPrintError } from '@adonisjs/core'
import type { ApplicationService } from '@adonisjs/core/types'

const APP_ROOT = new URL('../', import.meta.url)

const IMPORTER = (filePath: string) => {
  if (filePath.startsWith('./') || filePath.startsWith('../')) {
    return import(new URL(filePath, APP_ROOT).href)
  }
  return import(filePath)
}

/*
| An ace process with an IPC channel is the queue worker the web processes'
| primary runs beside them (WEB_CONCURRENCY, #core/services/web_cluster).
| When the primary is gone it stops: as on SIGTERM once its command runs
| (queue:work drains), at once while it is still booting (nothing to drain;
| it runs in a process group of its own, so nothing else would end it).
*/
let application: ApplicationService | null = null
if (process.channel) {
  process.channel.unref()
  process.once('disconnect', () => {
    if (application?.getState() === 'ready') process.kill(process.pid, 'SIGTERM')
    else process.exit(0)
  })
}

new Ignitor(APP_ROOT, { importer: IMPORTER })
  .tap((app) => {
    application = app
    app.booting(async () => {
      await import('#start/env')
    })
    app.listen('SIGTERM', () => app.terminate())
    app.listenIf(app.managedByPm2, 'SIGINT', () => app.terminate())
  })
  .ace()
  .handle(process.argv.splice(2))
  .catch((error) => {
    process.exitCode = 1
    prettyPrintError(error)
  })
