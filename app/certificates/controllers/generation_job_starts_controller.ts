import type { HttpContext } from '@adonisjs/core/http'
import { changeJob } from '#certificates/controllers/generation_job_changes'

/** `POST /generation-jobs/:id/start`: a job created to start later is queued now. */
export default class GenerationJobStartsController {
  async store(ctx: HttpContext) {
    await ctx.bouncer.authorize('allows', 'certificates.issue')
    return changeJob(
      ctx,
      'start',
      (job) =>
        `Started: ${job.totalItems.toLocaleString('en-IN')} certificate${job.totalItems === 1 ? ' is' : 's are'} being generated.`
    )
  }
}
