import logger from '@adonisjs/core/services/logger'
import { DateTime, type DurationLike } from 'luxon'
import { dbTimestamp } from '#core/services/database_time'
import GenerationJob from '#certificates/models/generation_job'
import SweepJobObjects from '#certificates/actions/sweep_job_objects'

/**
 * The periodic backstop of SweepJobObjects (which runs once, when a job's
 * last chunk ends, and spares objects written in the last ten minutes):
 * every job that finished within `within` (a day by default) is swept
 * again, so what was too recent then goes now. A job whose chunks all
 * succeeded at their first attempt costs one query and is not listed.
 * A job that cannot be swept (storage unreachable) is logged and skipped.
 */
export default class SweepFinishedJobs {
  static async handle(options: { within?: DurationLike; now?: number } = {}) {
    const now = options.now ?? Date.now()
    const since = DateTime.fromMillis(now).minus(options.within ?? { days: 1 })
    const jobs = await GenerationJob.query()
      .whereIn('status', ['completed', 'failed', 'cancelled'])
      .where('finished_at', '>=', dbTimestamp(undefined, since))
      .orderBy('finished_at', 'asc')
      .select('id', 'organization_id')
    let objects = 0
    let failed = 0
    for (const job of jobs) {
      try {
        objects += await SweepJobObjects.handle(job, now)
      } catch (error) {
        failed++
        logger.warn({ err: error, job: job.id }, 'could not sweep job objects')
      }
    }
    return { jobs: jobs.length, objects, failed }
  }
}
