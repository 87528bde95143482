import type { HttpContext } from '@adonisjs/core/http'
import { unhandled } from '#core/services/exhaustive'
import { originOf } from '#core/http/origin'
import ChangeGenerationJob from '#certificates/actions/change_generation_job'
import type GenerationJob from '#certificates/models/generation_job'
import { notFound } from '#core/http/not_found'

/** Start, cancel or retry a job, then back to its page with what happened (the caller has authorized). */
export async function changeJob(
  ctx: HttpContext,
  change: 'start' | 'cancel' | 'retryFailed',
  done: (job: GenerationJob) => string
) {
  const { org, actor, params, response, session } = ctx
  const result = await ChangeGenerationJob[change]({
    org,
    jobId: params.id,
    actorUserId: actor.user.id,
    origin: originOf(ctx),
    via: 'web',
  })
  switch (result.kind) {
    case 'ok':
      session.flash('success', done(result.job))
      return response.redirect().toRoute('certificates.generation_jobs.show', { id: result.job.id })
    case 'conflict':
      session.flash('error', result.message)
      return response.redirect().toRoute('certificates.generation_jobs.show', { id: params.id })
    case 'not_found':
      throw notFound()
    default:
      return unhandled(result)
  }
}
