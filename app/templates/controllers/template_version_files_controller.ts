import type { HttpContext } from '@adonisjs/core/http'
import { findFileOfOrg } from '#core/queries/org_files'
import { fileSlug, sendStoredFile } from '#core/services/downloads'
import OrgTemplates from '#templates/queries/org_templates'
import { notFound } from '#templates/controllers/upload_support'

const FILES = {
  background: { column: 'backgroundFileId', suffix: 'background.png', inline: true },
  preview: { column: 'previewFileId', suffix: 'preview.webp', inline: true },
  source: { column: 'sourceFileId', suffix: 'template.pdf', inline: false },
  original: { column: 'originalFileId', suffix: 'original', inline: false },
} as const

/**
 * `GET /templates/:id/versions/:number/files/:file`: a version's picture or
 * PDF, through the org (another org's template is a 404) and with a name
 * chosen here. Versions never change, so previews may be cached.
 */
export default class TemplateVersionFilesController {
  async show(ctx: HttpContext) {
    const { org, bouncer, params } = ctx
    await bouncer.authorize('allows', 'templates.manage')
    const spec = Object.hasOwn(FILES, params.file) ? FILES[params.file as keyof typeof FILES] : null
    if (!spec) throw notFound()
    const template = await OrgTemplates.find(org, params.id)
    if (!template) throw notFound()
    const version = await OrgTemplates.version(org, template.id, params.number)
    const fileId = version?.[spec.column]
    if (!version || !fileId) throw notFound()
    const file = await findFileOfOrg(org.id, fileId)
    const extension = params.file === 'original' ? (file.path.split('.').pop() ?? 'bin') : null
    const name = `${fileSlug(template.name, 'template')}-v${version.versionNumber}-${extension ? `original.${extension}` : spec.suffix}`
    return sendStoredFile(ctx, file, { filename: name, inline: spec.inline, maxAgeSeconds: spec.inline ? 3600 : undefined })
  }
}
