import type { HttpContext } from '@adonisjs/core/http'
import { sendStoredFile } from '#core/services/downloads'
import OrgTemplates from '#templates/queries/org_templates'
import { versionFile } from '#templates/queries/version_files'
import { notFound } from '#core/http/not_found'

/**
 * `GET /templates/:id/versions/:number/files/:file`: a version's picture or
 * PDF, through the org (another org's template is a 404). Versions never
 * change, so pictures may be cached.
 */
export default class TemplateVersionFilesController {
  async show(ctx: HttpContext) {
    const { org, bouncer, params } = ctx
    await bouncer.authorize('allows', 'templates.manage')
    const template = await OrgTemplates.find(org, params.id)
    const version = template ? await OrgTemplates.version(org, template.id, params.number) : null
    const found = template && version ? await versionFile(template, version, params.file) : null
    if (!found) throw notFound()
    return sendStoredFile(ctx, found.file, {
      filename: found.filename,
      inline: found.inline,
      maxAgeSeconds: found.inline ? 3600 : undefined,
    })
  }
}
