import type { HttpContext } from '@adonisjs/core/http'
import { apiActing } from '#api/middleware/acting'
import { paginationOf } from '#core/http/pagination'
import { unhandled } from '#core/services/exhaustive'
import { formatBytes } from '#core/services/file_type'
import CreateTemplate from '#templates/actions/create_template'
import OrgTemplates from '#templates/queries/org_templates'
import { sourceProblemCode, sourceProblemMessage } from '#templates/services/source_upload'
import { readUpload } from '#core/http/uploads'
import { apiTemplateCreateValidator, templateListValidator } from '#templates/validators/template'
import { loaded, templateJson } from '#api/controllers/template_json'
import {
  fail,
  fileRequired,
  fileTooLarge,
  taxonomyError,
  pageJson,
} from '#api/controllers/api_responses'
import { foundOr404 } from '#core/http/not_found'

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
    return pageJson(page, templateJson)
  }

  async show({ apiOrg, params }: HttpContext) {
    return templateJson(foundOr404(await loaded(apiOrg, params.id)))
  }

  async store(ctx: HttpContext) {
    const { apiOrg, request, response } = ctx
    const upload = await readUpload(ctx)
    if (upload.kind === 'missing') {
      return fileRequired(
        response,
        'Send the design as the multipart part "file" (PDF, PNG or JPEG).'
      )
    }
    if (upload.kind === 'too_large') {
      return fileTooLarge(
        response,
        `The file is larger than ${formatBytes(upload.maxBytes)}, the most a template may be.`
      )
    }
    const input = await request.validateUsing(apiTemplateCreateValidator)
    const result = await CreateTemplate.handle({
      name: input.name,
      upload,
      page: input.page ?? 1,
      taxonomy: {
        categoryKey: input.category_key ?? null,
        subcategoryKey: input.subcategory_key ?? null,
      },
      ...apiActing(ctx),
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
      case 'unknown_subcategory':
        return fail(response, 422, [taxonomyError(result)])
      default:
        return unhandled(result)
    }
  }
}
