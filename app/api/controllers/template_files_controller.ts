import type { HttpContext } from '@adonisjs/core/http'
import { sendStoredFile } from '#core/services/downloads'
import OrgTemplates from '#templates/queries/org_templates'
import { versionFile } from '#templates/queries/version_files'
import { notFound } from '#core/http/not_found'

/** `GET /api/v1/templates/:id/files/:file`: the current version's preview picture, empty page, or page PDF. */
export default class TemplateFilesController {
  async show(ctx: HttpContext) {
    const { apiOrg, params } = ctx
    const template = await OrgTemplates.findWithCurrent(apiOrg, params.id)
    const found = template
      ? await versionFile(template, template.currentVersion, params.file, [
          'preview',
          'background',
          'source',
        ])
      : null
    if (!found) throw notFound()
    return sendStoredFile(ctx, found.file, { filename: found.filename, inline: found.inline })
  }
}
