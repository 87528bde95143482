import logger from '@adonisjs/core/services/logger'
import type { ProcessImportResult } from '#imports/actions/process_import'

/**
 * Imports are read in the background: the request that uploads a file
 * waits a few seconds for the result and otherwise answers "processing";
 * the page polls until the job is ready or failed. This keeps track of the
 * reads in flight in this process, one per import.
 */
const running = new Map<string, Promise<ProcessImportResult>>()

export function startImportRun(jobId: string, run: () => Promise<ProcessImportResult>) {
  const existing = running.get(jobId)
  if (existing) return existing
  const promise = run()
    .catch((error) => {
      logger.error({ err: error, importId: jobId }, 'import processing failed')
      throw error
    })
    .finally(() => running.delete(jobId))
  running.set(jobId, promise)
  // Nobody may be waiting: keep an unexpected failure from becoming an unhandled rejection.
  promise.catch(() => {})
  return promise
}

/** The run's result, or null when it takes longer than `ms`. */
export async function waitForImportRun(promise: Promise<ProcessImportResult>, ms: number) {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), ms)
  })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}

export function importRunInFlight(jobId: string) {
  return running.get(jobId) ?? null
}
