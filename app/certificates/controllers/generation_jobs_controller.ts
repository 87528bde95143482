import type { HttpContext } from '@adonisjs/core/http'
import { paginationOf } from '#core/http/pagination'
import router from '@adonisjs/core/services/router'
import { handle } from '#core/http/outcomes'
import { originOf } from '#core/http/origin'
import { flashFieldError, flashFieldErrors, flashInput, redirectWith } from '#core/http/forms'
import CreateGenerationJob from '#certificates/actions/create_generation_job'
import OrgGenerationJobs from '#certificates/queries/org_generation_jobs'
import { foundOr404 } from '#core/http/not_found'
import {
  generationFormMessages,
  generationJobFormValidator,
} from '#certificates/validators/generation_job'
import {
  expiryOf,
  formData,
  formChoices,
  formFieldOf,
  valuesFromInput,
  valuesFromRequest,
} from '#certificates/presenters/generation_form'
import { progressOf } from '#certificates/presenters/generation_job_page'
import { formatNumber } from '#core/services/formatting'

/** Where a refused job's billing refusal (`IssuingRefusal`) waits for the form it goes back to. */
const BILLING_REFUSAL_FLASH = 'billing_refusal'

/**
 * Generation jobs in the web app: the list, the form (whose preflight is
 * `GenerationPreflightsController`), creating a job from the preflight's
 * "Generate" button, and a job's page with its progress island.
 */
export default class GenerationJobsController {
  async index({ org, request, view }: HttpContext) {
    const { page: number } = await paginationOf(request.qs(), { perPage: 25 })
    const page = await OrgGenerationJobs.list(org, number)
    page.baseUrl(router.builder().make('certificates.generation_jobs.index'))
    return view.render('pages/certificates/generation_jobs/index', {
      nav: 'generation_jobs',
      jobs: page,
      templateNames: await OrgGenerationJobs.templateNames(org, page.all()),
    })
  }

  async create(ctx: HttpContext) {
    const { org, actor, bouncer, session, view } = ctx
    await bouncer.authorize('allows', 'certificates.issue')
    return view.render('pages/certificates/generation_jobs/create', {
      nav: 'generation_jobs',
      ...(await formChoices(org, actor)),
      values: valuesFromRequest(ctx),
      preflight: null,
      refusal: null,
      billingRefusal: session.flashMessages.get(BILLING_REFUSAL_FLASH) ?? null,
    })
  }

  /** The preflight's "Generate N certificates": its hidden inputs carry the choices made on the form. */
  async store(ctx: HttpContext) {
    const { org, actor, bouncer, response } = ctx
    await bouncer.authorize('allows', 'certificates.issue')
    const back = () => response.redirect().toRoute('certificates.generation_jobs.create')
    // Back to the form itself, not to the referring preflight (a POST-only address).
    const [error, input] = await generationJobFormValidator.tryValidate(formData(ctx), {
      messagesProvider: generationFormMessages,
    })
    if (error) {
      flashFieldErrors(ctx, error.messages)
      return back()
    }
    const values = valuesFromInput(input)
    const expiry = expiryOf(values)
    if ('field' in expiry) {
      flashFieldError(ctx, expiry.field, expiry.message)
      return back()
    }
    const result = await CreateGenerationJob.handle({
      org,
      templateIds: values.template_ids,
      importId: values.import_id,
      issueDate: values.issue_date || null,
      expiry: expiry.expiry,
      start: values.start === 'now',
      name: values.name || null,
      actorUserId: actor.user.id,
      origin: originOf(ctx),
      via: 'web',
    })
    return handle(result, {
      created: ({ job }) =>
        redirectWith(
          ctx,
          'success',
          values.start === 'now'
            ? `Generating ${formatNumber(job.totalItems)} certificate${job.totalItems === 1 ? '' : 's'}. You can leave this page: the job keeps running.`
            : `Job created for ${formatNumber(job.totalItems)} certificate${job.totalItems === 1 ? '' : 's'}. Start it when you are ready.`
        ).toRoute('certificates.generation_jobs.show', { id: job.id }),
      // The list or a template changed since the preflight: the form comes back with the reason under its field.
      problem: ({ problem }) => {
        flashFieldError(ctx, formFieldOf(problem.field), problem.message)
        return back()
      },
      // Billing refused since the preflight (the trial ran out, the account was suspended):
      // the form again, with why and the way to Billing.
      billing_refused: ({ refusal }) => {
        flashInput(ctx)
        ctx.session.flash(BILLING_REFUSAL_FLASH, refusal)
        return back()
      },
    })
  }

  async show({ org, actor, params, view }: HttpContext) {
    const job = foundOr404(await OrgGenerationJobs.findWithTemplates(org, params.id))
    const failures = job.failedItems > 0 ? await OrgGenerationJobs.failures(job) : []
    return view.render('pages/certificates/generation_jobs/show', {
      nav: 'generation_jobs',
      job,
      failures,
      ...progressOf(job),
      canIssue: actor.can('certificates.issue'),
      canDownload: actor.can('certificates.download'),
    })
  }
}
