import type { HttpContext } from '@adonisjs/core/http'
import { redirectWith } from '#core/http/forms'
import { notFound } from '#core/http/not_found'
import { handle } from '#core/http/outcomes'
import { originOf } from '#core/http/origin'
import type GenerationJob from '#certificates/models/generation_job'
import type {
  GenerationJobChangeInput,
  GenerationJobChangeResult,
} from '#certificates/actions/generation_job_change'

/** What every job change takes from the request: the job in the URL, the acting member, the origin. */
export function jobChangeInput(ctx: HttpContext): GenerationJobChangeInput {
  return {
    org: ctx.org,
    jobId: ctx.params.id,
    actorUserId: ctx.actor.user.id,
    origin: originOf(ctx),
    via: 'web',
  }
}

/** Back to the job's page with what happened: `done` when it changed, the reason when refused. */
export function redirectAfterJobChange(
  ctx: HttpContext,
  result: GenerationJobChangeResult,
  done: (job: GenerationJob) => string
) {
  return handle(result, {
    changed: ({ job }) =>
      redirectWith(ctx, 'success', done(job)).toRoute('certificates.generation_jobs.show', {
        id: job.id,
      }),
    refused: ({ message }) =>
      redirectWith(ctx, 'error', message).toRoute('certificates.generation_jobs.show', {
        id: ctx.params.id,
      }),
    not_found: () => {
      throw notFound()
    },
  })
}
