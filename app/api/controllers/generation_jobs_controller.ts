import type { HttpContext } from '@adonisjs/core/http'
import { paginationOf } from '#core/http/pagination'
import db from '@adonisjs/lucid/services/db'
import CreateManualImport, { manualColumns } from '#imports/actions/create_manual_import'
import AddImportRows from '#imports/actions/add_import_rows'
import FileImportJob from '#imports/models/file_import_job'
import FileImportRow from '#imports/models/file_import_row'
import CreateGenerationJob from '#certificates/actions/create_generation_job'
import OrgGenerationJobs from '#certificates/queries/org_generation_jobs'
import { apiGenerationJobValidator } from '#certificates/validators/generation_job'
import type { ExpiryChoice } from '#certificates/services/issuance_rows'
import { type ApiError, fail } from '#api/controllers/api_responses'
import { notFound } from '#core/http/not_found'
import { originOf } from '#core/http/origin'
import { jobJson } from '#api/controllers/certificate_json'

const MAX_INLINE_RECIPIENTS = 10_000

/** `/api/v1/generation-jobs`: bulk issuance for the API key's org. */
export default class GenerationJobsController {
  async index({ apiOrg, request }: HttpContext) {
    const pagination = await paginationOf(request.qs(), { perPage: 25 })
    const page = await OrgGenerationJobs.list(apiOrg, pagination.page, pagination.perPage)
    return {
      data: page.all().map((job) => jobJson(job)),
      meta: { total: page.total, page: page.currentPage, per_page: page.perPage },
    }
  }

  async show({ apiOrg, params }: HttpContext) {
    const job = await OrgGenerationJobs.findWithTemplates(apiOrg, params.id)
    if (!job) throw notFound()
    return jobJson(
      job,
      job.templates.map((template) => template.templateId)
    )
  }

  async store(ctx: HttpContext) {
    const { apiOrg, request, response } = ctx
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

    let importId = input.import_id ?? null
    let manual: FileImportJob | null = null
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
      const created = await CreateManualImport.handle({
        org: apiOrg,
        name: input.name ?? 'API recipients',
        templateIds: input.template_ids,
        actorUserId: null,
        origin: originOf(ctx),
        via: 'api',
      })
      if (created.kind === 'unknown_templates')
        return fail(response, 422, [
          {
            code: 'E_UNKNOWN_TEMPLATE',
            message: `There is no template ${created.ids[0]} in this organization.`,
            field: 'template_ids',
          },
        ])
      if (created.kind !== 'created')
        return fail(response, 422, [
          { code: 'E_VALIDATION', message: 'The category is not valid.', field: 'category_key' },
        ])
      manual = created.job
      const labels = manualColumns(created.job.summary.custom_keys ?? [])
      const rows = input.recipients.map((recipient) => {
        const values: Record<string, string> = {}
        for (const [key, value] of Object.entries(recipient)) {
          if (value === null || value === undefined) continue
          values[labels[key] ?? key] = String(value)
        }
        return values
      })
      const added = await AddImportRows.handle({
        org: apiOrg,
        importId: created.job.id,
        rows,
        actorUserId: null,
        origin: originOf(ctx),
        via: 'api',
      })
      const bad = added.kind === 'added' ? added.rows.filter((row) => row.errorCount > 0) : []
      const unknownKeys = input.recipients.flatMap((recipient, i) =>
        Object.keys(recipient)
          .filter((key) => !(key in labels))
          .map((key) => ({ key, row: i }))
      )
      if (added.kind !== 'added' || bad.length || unknownKeys.length) {
        await db.from('file_import_jobs').where('id', created.job.id).delete()
        const errors: ApiError[] = []
        for (const { key, row } of unknownKeys.slice(0, 20)) {
          errors.push({
            code: 'E_UNKNOWN_KEY',
            message: `recipients[${row}].${key} is not a key of the chosen templates.`,
            field: `recipients.${row}.${key}`,
            row,
          })
        }
        for (const row of bad.slice(0, 100)) {
          const index = (row as FileImportRow).rowIndex - 1
          for (const issue of row.errors)
            errors.push({
              code: issue.code,
              message: `recipients[${index}]: ${issue.message}`,
              field: `recipients.${index}.${issue.field}`,
              row: index,
            })
        }
        if (errors.length === 0)
          errors.push({
            code: 'E_VALIDATION',
            message: 'The recipients could not be added.',
            field: 'recipients',
          })
        return fail(response, 422, errors)
      }
      importId = created.job.id
    }

    const result = await CreateGenerationJob.handle({
      org: apiOrg,
      templateIds: input.template_ids,
      importId: importId!,
      issueDate: input.issued_at ?? null,
      expiry,
      start: input.start ?? true,
      name: input.name ?? null,
      actorUserId: null,
      origin: originOf(ctx),
      via: 'api',
    })
    if (result.kind === 'problem') {
      if (manual) await db.from('file_import_jobs').where('id', manual.id).delete()
      const field =
        manual && result.problem.field === 'import_id' ? 'recipients' : result.problem.field
      return fail(response, 422, [
        { code: result.problem.code, message: result.problem.message, field },
      ])
    }
    return response.status(202).send(
      jobJson(
        result.job,
        result.plan.templates.map(({ template }) => template.id)
      )
    )
  }
}
