import type { HttpContext } from '@adonisjs/core/http'
import { flashFieldErrors } from '#core/http/forms'
import { keyLabel } from '#imports/services/column_mapping'
import { fitProblems, planGeneration } from '#certificates/queries/generation_plan'
import { issuingAllowance } from '#certificates/queries/issuing_allowance'
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
} from '#certificates/presenters/generation_form'

/**
 * `POST /generation-jobs/preflight`: what a job would do, before anything
 * is written. The form page comes back with the choices kept and either a
 * refusal under its field, or the numbers (recipients × templates), the
 * rows left out and why, the values that will not fit their field, and the
 * "Generate N certificates" button that posts the same choices to
 * `POST /generation-jobs`, or, when billing refuses the job (the trial, the
 * account), why, with the way to Billing instead of the button.
 */
export default class GenerationPreflightsController {
  async store(ctx: HttpContext) {
    const { org, actor, bouncer, response, view } = ctx
    await bouncer.authorize('allows', 'certificates.issue')
    const [error, input] = await generationJobFormValidator.tryValidate(formData(ctx), {
      messagesProvider: generationFormMessages,
    })
    if (error) {
      flashFieldErrors(ctx, error.messages)
      return response.redirect().toRoute('certificates.generation_jobs.create')
    }
    const values = valuesFromInput(input)
    // The address stays the form's: reloading it must not re-post, and a GET of this one does not exist.
    response.header('HX-Push-Url', 'false')
    const page = async (data: {
      preflight: unknown
      refusal: { field: string; message: string } | null
    }) =>
      view.render('pages/certificates/generation_jobs/create', {
        nav: 'generation_jobs',
        ...(await formChoices(org, actor)),
        values,
        billingRefusal: null,
        ...data,
      })

    const expiry = expiryOf(values)
    if ('field' in expiry)
      return response.status(422).send(await page({ preflight: null, refusal: expiry }))

    const planned = await planGeneration(org, values.template_ids, values.import_id)
    if (planned.kind === 'problem') {
      const refusal = {
        field: formFieldOf(planned.problem.field),
        message: planned.problem.message,
      }
      return response.status(422).send(await page({ preflight: null, refusal }))
    }
    const { plan } = planned
    const fit = await fitProblems(plan)
    const allowance = await issuingAllowance(org, plan.totalItems)
    return page({
      refusal: null,
      preflight: {
        recipients: plan.recipientCount,
        total: plan.totalItems,
        templates: plan.templates.map(({ template, version }) => ({
          id: template.id,
          name: template.name,
          version: version.versionNumber,
        })),
        importJob: {
          id: plan.importJob.id,
          name:
            plan.importJob.fileName ??
            (plan.importJob.source === 'manual' ? 'Typed-in recipients' : 'Recipient list'),
        },
        skipped: plan.skipped,
        fit: {
          total: fit.total,
          problems: fit.problems.map((problem) => ({ ...problem, label: keyLabel(problem.key) })),
        },
        billingRefusal: allowance.refusal,
      },
    })
  }
}
