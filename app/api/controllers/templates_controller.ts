import type { HttpContext } from '@adonisjs/core/http'
import { paginationOf } from '#core/http/pagination'
import { unhandled } from '#core/services/exhaustive'
import { formatBytes } from '#core/services/file_type'
import CreateTemplate from '#templates/actions/create_template'
import OrgTemplates from '#templates/queries/org_templates'
import { taxonomyProblemMessage } from '#templates/queries/template_taxonomy'
import { sourceProblemCode, sourceProblemMessage } from '#templates/services/source_upload'
import { readUpload } from '#core/http/uploads'
import { apiTemplateCreateValidator, templateListValidator } from '#templates/validators/template'
import { loaded, templateJson } from '#api/controllers/template_json'
import { fail } from '#api/controllers/api_responses'
import { notFound } from '#core/http/not_found'
import { originOf } from '#core/http/origin'

/** `/api/v1/templates`: the org of the API key, nothing else. */
export default class TemplatesController {
  async index({ apiOrg, request }: HttpContext) {
    const pagination = await paginationOf(request.qs(), { perPage: 25 })
    const input = await templateListValidator.validate(request.qs())
    const page = await OrgTemplates.list(apiOrg, {
      status: input.status ?? 'all',
      categoryId: input.category_id ?? null,
      q: input.q ?? null,
      page: pagination.page,
      perPage: pagination.perPage,
    })
    return {
      data: page.all().map(templateJson),
      meta: { total: page.total, page: page.currentPage, per_page: page.perPage },
    }
  }

  async show({ apiOrg, params }: HttpContext) {
    const template = await loaded(apiOrg, params.id)
    if (!template) throw notFound()
    return templateJson(template)
  }

  async store(ctx: HttpContext) {
    const { apiOrg, request, response } = ctx
    const upload = await readUpload(ctx)
    if (upload.kind === 'missing') {
      return fail(response, 422, [
        {
          code: 'E_FILE_REQUIRED',
          message: 'Send the design as the multipart part "file" (PDF, PNG or JPEG).',
          field: 'file',
        },
      ])
    }
    if (upload.kind === 'too_large') {
      return fail(response, 413, [
        {
          code: 'E_FILE_TOO_LARGE',
          message: `The file is larger than ${formatBytes(upload.maxBytes)}, the most a template may be.`,
          field: 'file',
        },
      ])
    }
    const input = await request.validateUsing(apiTemplateCreateValidator)
    const result = await CreateTemplate.handle({
      org: apiOrg,
      name: input.name,
      upload,
      page: input.page ?? 1,
      taxonomy: {
        categoryKey: input.category_key ?? null,
        subcategoryKey: input.subcategory_key ?? null,
      },
      actorUserId: null,
      origin: originOf(ctx),
      via: 'api',
    })
    switch (result.kind) {
      case 'created': {
        const template = await loaded(apiOrg, result.template.id)
        return response.status(201).send(templateJson(template!))
      }
      case 'too_large':
      case 'unsupported_type':
      case 'encrypted':
      case 'page_out_of_range':
      case 'empty':
      case 'unreadable':
      case 'too_complex': {
        const { status, code } = sourceProblemCode(result)
        return fail(response, status, [
          {
            code,
            message: sourceProblemMessage(result),
            field: result.kind === 'page_out_of_range' ? 'page' : 'file',
          },
        ])
      }
      case 'unknown_category':
      case 'subcategory_without_category':
        return fail(response, 422, [
          {
            code: 'E_UNKNOWN_CATEGORY',
            message: taxonomyProblemMessage(result),
            field: 'category_key',
          },
        ])
      case 'unknown_subcategory':
        return fail(response, 422, [
          {
            code: 'E_UNKNOWN_SUBCATEGORY',
            message: taxonomyProblemMessage(result),
            field: 'subcategory_key',
          },
        ])
      default:
        return unhandled(result)
    }
  }
}
