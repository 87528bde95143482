import type { HttpContext } from '@adonisjs/core/http'
import CancelGenerationJob from '#certificates/actions/cancel_generation_job'
import { apiJobChangeInput, jobChangeResponse } from '#api/controllers/generation_job_changes'

/** `POST /api/v1/generation-jobs/:id/cancellation` */
export default class GenerationJobCancellationsController {
  async store(ctx: HttpContext) {
    return jobChangeResponse(ctx, await CancelGenerationJob.handle(apiJobChangeInput(ctx)))
  }
}
