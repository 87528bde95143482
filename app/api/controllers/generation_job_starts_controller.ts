import type { HttpContext } from '@adonisjs/core/http'
import StartGenerationJob from '#certificates/actions/start_generation_job'
import { apiJobChangeInput, jobChangeResponse } from '#api/controllers/generation_job_changes'

/** `POST /api/v1/generation-jobs/:id/start` */
export default class GenerationJobStartsController {
  async store(ctx: HttpContext) {
    return jobChangeResponse(ctx, await StartGenerationJob.handle(apiJobChangeInput(ctx)))
  }
}
