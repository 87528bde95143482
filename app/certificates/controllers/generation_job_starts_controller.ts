import type { HttpContext } from '@adonisjs/core/http'
import { changeJob } from '#certificates/controllers/generation_job_changes'
import { formatNumber } from '#core/services/formatting'

/** `POST /generation-jobs/:id/start`: a job created to start later is queued now. */
export default class GenerationJobStartsController {
  async store(ctx: HttpContext) {
    await ctx.bouncer.authorize('allows', 'certificates.issue')
    return changeJob(
      ctx,
      'start',
      (job) =>
        `Started: ${formatNumber(job.totalItems)} certificate${job.totalItems === 1 ? ' is' : 's are'} being generated.`
    )
  }
}
