import app from '@adonisjs/core/services/app'
import logger from '@adonisjs/core/services/logger'
import RecoverStaleImports from '#imports/actions/recover_stale_imports'

/**
 * Web processes look for orphaned imports (a read cut off by a restart)
 * shortly after boot and then every minute, and read them again. Timers
 * are unref'd: they never keep a process alive.
 */
const EVERY_MS = 60_000

async function recover() {
  try {
    await RecoverStaleImports.handle()
  } catch (error) {
    logger.error({ err: error }, 'could not recover stale imports')
  }
}

app.ready(() => {
  const first = setTimeout(recover, 5_000)
  const every = setInterval(recover, EVERY_MS)
  first.unref()
  every.unref()
  app.terminating(() => {
    clearTimeout(first)
    clearInterval(every)
  })
})
