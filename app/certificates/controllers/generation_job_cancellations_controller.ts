import type { HttpContext } from '@adonisjs/core/http'
import CancelGenerationJob from '#certificates/actions/cancel_generation_job'
import {
  jobChangeInput,
  redirectAfterJobChange,
} from '#certificates/controllers/generation_job_changes'
import { formatNumber } from '#core/services/formatting'

/** `POST /generation-jobs/:id/cancellation`: work not begun is dropped; certificates already issued stay valid. */
export default class GenerationJobCancellationsController {
  async store(ctx: HttpContext) {
    await ctx.bouncer.authorize('allows', 'certificates.issue')
    const result = await CancelGenerationJob.handle(jobChangeInput(ctx))
    return redirectAfterJobChange(ctx, result, (job) =>
      job.completedItems > 0
        ? `Job cancelled. The ${formatNumber(job.completedItems)} certificate${job.completedItems === 1 ? '' : 's'} already issued stay valid.`
        : 'Job cancelled. No certificate was issued.'
    )
  }
}
