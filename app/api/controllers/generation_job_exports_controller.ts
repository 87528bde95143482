import type { HttpContext } from '@adonisjs/core/http'
import { sendStoredFile } from '#core/services/downloads'
import { notFound } from '#core/http/not_found'
import BuildJobExport from '#certificates/actions/build_job_export'
import OrgGenerationJobs from '#certificates/queries/org_generation_jobs'
import { fail } from '#api/controllers/api_responses'

/** `GET /api/v1/generation-jobs/:id/export`: the ZIP of a finished job's certificates. */
export default class GenerationJobExportsController {
  async show(ctx: HttpContext) {
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
}
