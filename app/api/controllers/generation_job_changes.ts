import type { HttpContext } from '@adonisjs/core/http'
import { notFound } from '#core/http/not_found'
import { handle } from '#core/http/outcomes'
import { originOf } from '#core/http/origin'
import type {
  GenerationJobChangeInput,
  GenerationJobChangeResult,
} from '#certificates/actions/generation_job_change'
import { fail } from '#api/controllers/api_responses'
import { jobJson } from '#api/controllers/certificate_json'

/** What every job change takes from an API request: the job in the URL, the key's org, the origin. */
export function apiJobChangeInput(ctx: HttpContext): GenerationJobChangeInput {
  return {
    org: ctx.apiOrg,
    jobId: ctx.params.id,
    actorUserId: null,
    origin: originOf(ctx),
    via: 'api',
  }
}

/** The job as it is now, 409 with the reason when the change was refused, 404 for another org's job. */
export function jobChangeResponse(ctx: HttpContext, result: GenerationJobChangeResult) {
  return handle(result, {
    changed: ({ job }) => jobJson(job),
    refused: ({ message }) => fail(ctx.response, 409, [{ code: 'E_JOB_STATE', message }]),
    not_found: () => {
      throw notFound()
    },
  })
}
