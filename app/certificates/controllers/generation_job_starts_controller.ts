import type { HttpContext } from '@adonisjs/core/http'
import StartGenerationJob from '#certificates/actions/start_generation_job'
import {
  jobChangeInput,
  redirectAfterJobChange,
} from '#certificates/controllers/generation_job_changes'
import { formatNumber } from '#core/services/formatting'

/** `POST /generation-jobs/:id/start`: a job created to start later is queued now. */
export default class GenerationJobStartsController {
  async store(ctx: HttpContext) {
    await ctx.bouncer.authorize('allows', 'certificates.issue')
    const result = await StartGenerationJob.handle(jobChangeInput(ctx))
    return redirectAfterJobChange(
      ctx,
      result,
      (job) =>
        `Started: ${formatNumber(job.totalItems)} certificate${job.totalItems === 1 ? ' is' : 's are'} being generated.`
    )
  }
}
