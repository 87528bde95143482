import type { HttpContext } from '@adonisjs/core/http'
import OrgGenerationJobs from '#certificates/queries/org_generation_jobs'
import { notFound } from '#core/http/not_found'
import { progressOf } from '#certificates/presenters/generation_job_page'

/**
 * `GET /generation-jobs/:id/progress`: the job's status, progress bar and
 * counts as one island, rendered in its page and by itself. While the job
 * runs it polls itself every second; the first answer after it finished
 * reloads the page (HX-Refresh), whose failures and buttons depend on how
 * it ended.
 */
export default class GenerationJobProgressController {
  async show({ org, params, request, response, view }: HttpContext) {
    const job = await OrgGenerationJobs.find(org, params.id)
    if (!job) throw notFound()
    response.header('Vary', 'HX-Request')
    const progress = progressOf(job)
    if (!progress.running && request.header('HX-Request') && request.input('polling'))
      response.header('HX-Refresh', 'true')
    return view.render('components/certificates/job_progress', { job, ...progress })
  }
}
