import type { HttpContext } from '@adonisjs/core/http'
import { findFileOfOrg } from '#core/queries/org_files'
import { fileSlug, sendStoredFile } from '#core/services/downloads'
import OrgTemplates from '#templates/queries/org_templates'

const FILES = {
  preview: { column: 'previewFileId', suffix: 'preview.webp', inline: true },
  background: { column: 'backgroundFileId', suffix: 'background.png', inline: true },
  source: { column: 'sourceFileId', suffix: 'template.pdf', inline: false },
} as const

/** `GET /api/v1/templates/:id/files/:file`: the current version's preview picture or page PDF. */
export default class TemplateFilesController {
  async show(ctx: HttpContext) {
    const { apiOrg, params, response } = ctx
    const spec = Object.hasOwn(FILES, params.file) ? FILES[params.file as keyof typeof FILES] : null
    const template = spec ? await OrgTemplates.findWithCurrent(apiOrg, params.id) : null
    const fileId = template && spec ? template.currentVersion[spec.column] : null
    if (!template || !spec || !fileId) return response.status(404).send({ errors: [{ code: 'E_NOT_FOUND', message: 'Resource not found' }] })
    const file = await findFileOfOrg(apiOrg.id, fileId)
    return sendStoredFile(ctx, file, {
      filename: `${fileSlug(template.name, 'template')}-v${template.currentVersionNumber}-${spec.suffix}`,
      inline: spec.inline,
    })
  }
}
