import type { HttpContext } from '@adonisjs/core/http'
import RetryGenerationJob from '#certificates/actions/retry_generation_job'
import { apiJobChangeInput, jobChangeResponse } from '#api/controllers/generation_job_changes'

/** `POST /api/v1/generation-jobs/:id/retry` */
export default class GenerationJobRetriesController {
  async store(ctx: HttpContext) {
    return jobChangeResponse(ctx, await RetryGenerationJob.handle(apiJobChangeInput(ctx)))
  }
}
