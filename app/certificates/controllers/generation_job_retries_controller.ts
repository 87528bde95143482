import type { HttpContext } from '@adonisjs/core/http'
import { changeJob } from '#certificates/controllers/generation_job_changes'

/** `POST /generation-jobs/:id/retry`: the certificates that failed are generated again, keeping their numbers. */
export default class GenerationJobRetriesController {
  async store(ctx: HttpContext) {
    await ctx.bouncer.authorize('allows', 'certificates.issue')
    return changeJob(ctx, 'retryFailed', () => 'Retrying the certificates that failed.')
  }
}
