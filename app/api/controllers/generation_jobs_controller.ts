import type { HttpContext } from '@adonisjs/core/http'
import { apiActing } from '#api/middleware/acting'
import { paginationOf } from '#core/http/pagination'
import CreateGenerationJob from '#certificates/actions/create_generation_job'
import OrgGenerationJobs from '#certificates/queries/org_generation_jobs'
import { apiGenerationJobValidator } from '#certificates/validators/generation_job'
import type { ExpiryChoice } from '#certificates/services/issuance_rows'
import { fail, pageJson } from '#api/controllers/api_responses'
import { foundOr404 } from '#core/http/not_found'
import { jobJson } from '#api/controllers/certificate_json'
import { issuingQuote } from '#billing/queries/issuing_quote'

const MAX_INLINE_RECIPIENTS = 10_000

/** `/api/v1/generation-jobs`: bulk issuance for the API key's org. */
export default class GenerationJobsController {
  async index({ apiOrg, request }: HttpContext) {
    const pagination = await paginationOf(request.qs(), { perPage: 25 })
    const page = await OrgGenerationJobs.list(apiOrg, pagination.page, pagination.perPage)
    return pageJson(page, (job) => jobJson(job))
  }

  async show({ apiOrg, params }: HttpContext) {
    const job = foundOr404(await OrgGenerationJobs.findWithTemplates(apiOrg, params.id))
    return jobJson(
      job,
      job.templates.map((template) => template.templateId)
    )
  }

  async store(ctx: HttpContext) {
    const { request, response } = ctx
    const input = await request.validateUsing(apiGenerationJobValidator)
    if ((input.import_id ? 1 : 0) + (input.recipients ? 1 : 0) !== 1) {
      return fail(response, 422, [
        {
          code: 'E_VALIDATION',
          message:
            'Send exactly one of import_id (a recipient list) or recipients (an array of people).',
          field: input.import_id ? 'recipients' : 'import_id',
        },
      ])
    }
    const expiryFields = [input.expires_at, input.expires_in_months].filter(
      (value) => value !== undefined && value !== null
    )
    if (expiryFields.length > 1)
      return fail(response, 422, [
        {
          code: 'E_VALIDATION',
          message: 'Send either expires_at or expires_in_months, not both.',
          field: 'expires_at',
        },
      ])
    const expiry: ExpiryChoice = input.expires_at
      ? { mode: 'date', date: input.expires_at }
      : input.expires_in_months
        ? { mode: 'months', months: input.expires_in_months }
        : { mode: 'none' }

    if (input.recipients) {
      if (input.recipients.length === 0)
        return fail(response, 422, [
          { code: 'E_NO_RECIPIENTS', message: 'recipients is empty.', field: 'recipients' },
        ])
      if (input.recipients.length > MAX_INLINE_RECIPIENTS) {
        return fail(response, 413, [
          {
            code: 'E_TOO_MANY_RECIPIENTS',
            message: `At most ${MAX_INLINE_RECIPIENTS} recipients per request; upload a list to /api/v1/imports for more.`,
            field: 'recipients',
          },
        ])
      }
    }

    const choices = {
      templateIds: input.template_ids,
      issueDate: input.issued_at ?? null,
      expiry,
      start: input.start ?? true,
      name: input.name ?? null,
      ...apiActing(ctx),
    }
    const source = input.recipients
      ? { ...choices, recipients: input.recipients }
      : { ...choices, importId: input.import_id! }
    const result = input.dry_run
      ? await CreateGenerationJob.dryRun(source)
      : await CreateGenerationJob.handle(source)
    if (result.kind === 'recipients_refused') return fail(response, 422, result.errors)
    if (result.kind === 'problem') {
      const field =
        input.recipients && result.problem.field === 'import_id'
          ? 'recipients'
          : result.problem.field
      return fail(response, 422, [
        { code: result.problem.code, message: result.problem.message, field },
      ])
    }
    if (result.kind === 'billing_refused') {
      return fail(response, 403, [{ code: result.refusal.code, message: result.refusal.message }])
    }
    if (result.kind === 'dry_run') {
      const quote = await issuingQuote(ctx.apiOrg, result.allowance)
      return {
        certificates: quote.certificates,
        billable_certificates: quote.billableCertificates,
        free_certificates: quote.freeCertificates,
        trial_certificates_left: quote.trialCertificatesLeft,
        certificate_fee_paise: quote.certificateFeePaise,
        amount_paise: quote.amountPaise,
        tax_paise: quote.taxPaise,
        total_paise: quote.totalPaise,
        currency: quote.currency,
        ...(quote.blocked ? { blocked: quote.blocked } : {}),
      }
    }
    return response.status(202).send(
      jobJson(
        result.job,
        result.plan.templates.map(({ template }) => template.id)
      )
    )
  }
}
