import type { HttpContext } from '@adonisjs/core/http'
import { unhandled } from '#core/services/exhaustive'
import SaveTemplateFields from '#templates/actions/save_template_fields'
import OrgTemplates from '#templates/queries/org_templates'
import { templateFieldsValidator } from '#templates/validators/template_fields'
import { loaded, templateJson } from '#api/controllers/template_json'
import { fail } from '#api/controllers/api_responses'
import { notFound } from '#core/http/not_found'
import { originOf } from '#core/http/origin'

export default class TemplateFieldsController {
  /** `PUT /api/v1/templates/:id/fields`: a new immutable version with these fields. */
  async update(ctx: HttpContext) {
    const { apiOrg, params, request, response } = ctx
    const exists = await OrgTemplates.find(apiOrg, params.id)
    if (!exists) throw notFound()
    const input = await request.validateUsing(templateFieldsValidator)
    const result = await SaveTemplateFields.handle({
      org: apiOrg,
      templateId: exists.id,
      fields: input.fields,
      baseVersion: input.base_version,
      // The contract has always taken `fields: []` as the integrator's explicit choice; a client that
      // wants the designer's guard sends `remove_all_fields: false`.
      removeAllFields: input.remove_all_fields ?? true,
      actorUserId: null,
      origin: originOf(ctx),
      via: 'api',
    })
    switch (result.kind) {
      case 'saved':
        return templateJson((await loaded(apiOrg, exists.id))!)
      case 'invalid':
        return fail(
          response,
          422,
          result.problems.map((p) => ({ code: p.code, message: p.message, field: p.field }))
        )
      case 'archived':
        return fail(response, 409, [
          {
            code: 'E_TEMPLATE_ARCHIVED',
            message: 'The template is archived; restore it before changing its fields.',
          },
        ])
      case 'stale':
        return fail(response, 409, [
          {
            code: 'E_VERSION_CONFLICT',
            message: `The template is at version ${result.currentVersion}, not the base_version sent.`,
            field: 'base_version',
          },
        ])
      case 'removes_all_fields':
        return fail(response, 422, [
          {
            code: 'E_FIELDS_ALL_REMOVED',
            message: `Version ${result.currentVersion} has ${result.currentFields} field${result.currentFields === 1 ? '' : 's'}; send "remove_all_fields": true to save a version without fields.`,
            field: 'fields',
          },
        ])
      case 'not_found':
        throw notFound()
      default:
        return unhandled(result)
    }
  }
}
