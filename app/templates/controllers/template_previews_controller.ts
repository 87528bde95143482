import type { HttpContext } from '@adonisjs/core/http'
import { contentDisposition, fileSlug } from '#core/services/downloads'
import { templatePreviewValidator } from '#templates/validators/template'
import { templateFieldsSchema } from '#templates/validators/template_fields'
import vine from '@vinejs/vine'
import OrgTemplates from '#templates/queries/org_templates'
import { previewSnapshot } from '#templates/queries/preview_request'
import { renderPreview } from '#templates/services/template_processing'
import { notFound } from '#core/http/not_found'

const fieldsValidator = vine.compile(
  vine.object({ fields: templateFieldsSchema.getProperties().fields.optional() })
)

/**
 * `POST /templates/:id/previews`: the designer's live preview. Draws the
 * current page with the fields sent (saved or not) and the values typed,
 * with the renderer that issues certificates, and answers the PNG or the
 * PDF. Text that would not fit its box at the smallest size is named in
 * `X-Authentix-Overflow`.
 */
export default class TemplatePreviewsController {
  async store({ org, bouncer, params, request, response }: HttpContext) {
    await bouncer.authorize('allows', 'templates.manage')
    const template = await OrgTemplates.find(org, params.id)
    if (!template) throw notFound()
    const options = await templatePreviewValidator.validate({
      format: request.input('format'),
      row: request.input('row'),
    })
    const { fields } = await fieldsValidator.validate({
      fields: request.input('fields') ?? undefined,
    })
    const prepared = await previewSnapshot(org, template, { fields, row: options.row })
    if (prepared.kind === 'invalid') {
      return response.unprocessableEntity({
        errors: prepared.problems.map((p) => ({
          code: p.code,
          message: p.message,
          field: p.field,
        })),
      })
    }
    const format = options.format ?? 'png'
    const outcome = await renderPreview(
      prepared.snapshot,
      prepared.row,
      format === 'png' ? { width: 1400, format: 'png' } : null
    )
    if (outcome.kind !== 'ok') {
      return response.unprocessableEntity({
        errors: [
          {
            code: 'E_PREVIEW_FAILED',
            message: 'The preview could not be drawn in time. Try again, or simplify the template.',
          },
        ],
      })
    }
    const overflow = outcome.value.measures.filter((m) => m.overflow).map((m) => m.key)
    const missing = [...new Set(outcome.value.measures.flatMap((m) => m.missing))]
    response.header('X-Authentix-Overflow', overflow.join(','))
    response.header('X-Authentix-Missing-Glyphs', encodeURIComponent(missing.join('')))
    response.header('Cache-Control', 'no-store')
    if (format === 'pdf') {
      response.header('Content-Type', 'application/pdf')
      response.header(
        'Content-Disposition',
        contentDisposition('attachment', `${fileSlug(template.name, 'template')}-preview.pdf`)
      )
      return response.send(Buffer.from(outcome.value.pdf))
    }
    response.header('Content-Type', 'image/png')
    return response.send(Buffer.from(outcome.value.image!.bytes))
  }
}
