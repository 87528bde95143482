import type { HttpContext } from '@adonisjs/core/http'
import { sendStoredFile } from '#core/services/downloads'
import ChangeGenerationJob from '#certificates/actions/change_generation_job'
import BuildJobExport from '#certificates/actions/build_job_export'
import OrgGenerationJobs from '#certificates/queries/org_generation_jobs'
import { fail } from '#api/controllers/api_responses'
import { notFound } from '#core/http/not_found'
import { originOf } from '#core/http/origin'
import { jobJson } from '#api/controllers/certificate_json'

/** A job's cancellation, start, retry of failures, and its bulk export. */
export default class GenerationJobActionsController {
  async cancel(ctx: HttpContext) {
    return this.change(ctx, 'cancel')
  }

  async start(ctx: HttpContext) {
    return this.change(ctx, 'start')
  }

  async retry(ctx: HttpContext) {
    return this.change(ctx, 'retryFailed')
  }

  async export(ctx: HttpContext) {
    const { apiOrg, params, response } = ctx
    const job = await OrgGenerationJobs.find(apiOrg, params.id)
    if (!job) throw notFound()
    if (!job.isFinished)
      return fail(response, 409, [
        {
          code: 'E_JOB_NOT_FINISHED',
          message: `The job is ${job.status}; its export is ready when it has finished.`,
        },
      ])
    if (job.completedItems === 0)
      return fail(response, 409, [
        { code: 'E_NOTHING_TO_EXPORT', message: 'This job issued no certificate.' },
      ])
    const file = await BuildJobExport.current(job)
    return sendStoredFile(ctx, file, { filename: `certificates-${job.id.slice(0, 8)}.zip` })
  }

  private async change(ctx: HttpContext, what: 'cancel' | 'start' | 'retryFailed') {
    const { apiOrg, params, response } = ctx
    const result = await ChangeGenerationJob[what]({
      org: apiOrg,
      jobId: params.id,
      actorUserId: null,
      origin: originOf(ctx),
      via: 'api',
    })
    if (result.kind === 'not_found') throw notFound()
    if (result.kind === 'conflict')
      return fail(response, 409, [{ code: 'E_JOB_STATE', message: result.message }])
    return jobJson(result.job)
  }
}
