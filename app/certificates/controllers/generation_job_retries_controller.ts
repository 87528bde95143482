import type { HttpContext } from '@adonisjs/core/http'
import RetryGenerationJob from '#certificates/actions/retry_generation_job'
import {
  jobChangeInput,
  redirectAfterJobChange,
} from '#certificates/controllers/generation_job_changes'

/** `POST /generation-jobs/:id/retry`: the certificates that failed are generated again, keeping their numbers. */
export default class GenerationJobRetriesController {
  async store(ctx: HttpContext) {
    await ctx.bouncer.authorize('allows', 'certificates.issue')
    const result = await RetryGenerationJob.handle(jobChangeInput(ctx))
    return redirectAfterJobChange(ctx, result, () => 'Retrying the certificates that failed.')
  }
}
