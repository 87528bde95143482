import type { HttpContext } from '@adonisjs/core/http'
import { fileSlug, sendStoredFile } from '#core/services/downloads'
import BuildJobExport from '#certificates/actions/build_job_export'
import OrgGenerationJobs from '#certificates/queries/org_generation_jobs'
import { foundOr404 } from '#core/http/not_found'

/** `GET /generation-jobs/:id/export`: every PDF of a finished job and its manifest, as one ZIP. */
export default class GenerationJobExportsController {
  async show(ctx: HttpContext) {
    const { org, bouncer, params, response, session } = ctx
    await bouncer.authorize('allows', 'certificates.download')
    const job = foundOr404(await OrgGenerationJobs.find(org, params.id))
    const refuse = (message: string) => {
      session.flash('error', message)
      return response.redirect().toRoute('certificates.generation_jobs.show', { id: job.id })
    }
    if (!job.isFinished) return refuse('The ZIP can be downloaded once the job has finished.')
    if (job.completedItems === 0)
      return refuse('This job issued no certificate, so there is nothing to download.')
    const file = await BuildJobExport.current(job)
    return sendStoredFile(ctx, file, {
      filename: `${fileSlug(job.name ?? '', 'certificates')}-${job.id.slice(0, 8)}.zip`,
    })
  }
}
