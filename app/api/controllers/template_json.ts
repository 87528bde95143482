import type { HttpContext } from '@adonisjs/core/http'
import router from '@adonisjs/core/services/router'
import { appUrl } from '#config/app'
import { unhandled } from '#core/services/exhaustive'
import type {
  TemplateStatusInput,
  TemplateStatusResult,
} from '#templates/actions/template_status_change'
import type CertificateTemplate from '#templates/models/certificate_template'
import OrgTemplates from '#templates/queries/org_templates'
import { fail } from '#api/controllers/api_responses'
import { notFound } from '#core/http/not_found'
import { originOf } from '#core/http/origin'
import { fieldJson } from '#templates/services/designer_data'

/** A template as the API shows it: the contract's fields plus taxonomy keys, timestamps and a preview link. */
export function templateJson(template: CertificateTemplate) {
  const version = template.currentVersion
  const files = (file: string) =>
    `${appUrl}${router.builder().params({ id: template.id, file }).make('api.template_files.show')}`
  return {
    id: template.id,
    name: template.name,
    status: template.status,
    category_key: template.category?.key ?? null,
    subcategory_key: template.subcategory?.key ?? null,
    created_at: template.createdAt.toUTC().toISO(),
    updated_at: template.updatedAt.toUTC().toISO(),
    current_version: version
      ? {
          id: version.id,
          number: version.versionNumber,
          page_width: version.pageWidth,
          page_height: version.pageHeight,
          page: version.meta.page,
          page_count: version.meta.page_count,
          created_at: version.createdAt.toUTC().toISO(),
          fields: version.fields.map(fieldJson),
          preview_url: files(version.previewFileId ? 'preview' : 'background'),
          source_url: files('source'),
        }
      : null,
  }
}

export async function loaded(org: HttpContext['apiOrg'], id: string) {
  return OrgTemplates.findWithCurrent(org, id)
}

/** Archive, restore, activate, deactivate: the template as it is afterwards, or why not. */
export async function changeStatus(
  ctx: HttpContext,
  action: { handle(input: TemplateStatusInput): Promise<TemplateStatusResult> }
) {
  const { apiOrg, params, response } = ctx
  const result = await action.handle({
    org: apiOrg,
    templateId: params.id,
    actorUserId: null,
    origin: originOf(ctx),
    via: 'api',
  })
  switch (result.kind) {
    case 'changed':
    case 'unchanged':
      return templateJson((await loaded(apiOrg, result.template.id))!)
    case 'no_fields':
      return fail(response, 409, [
        {
          code: 'E_TEMPLATE_HAS_NO_FIELDS',
          message: 'Place at least one field before activating the template.',
        },
      ])
    case 'archived':
      return fail(response, 409, [
        {
          code: 'E_TEMPLATE_ARCHIVED',
          message: 'Restore the template (DELETE /archive) before activating it.',
        },
      ])
    case 'not_found':
      throw notFound()
    default:
      return unhandled(result)
  }
}
