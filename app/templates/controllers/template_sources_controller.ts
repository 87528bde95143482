import type { HttpContext } from '@adonisjs/core/http'
import { originOf } from '#core/http/origin'
import { flashFieldError, flashFieldErrors } from '#core/http/forms'
import { notFound } from '#core/http/not_found'
import { readUpload, uploadProblemField } from '#core/http/uploads'
import ReplaceTemplateSource from '#templates/actions/replace_template_source'
import { labelFor } from '#templates/services/field_rules'
import { templateSourceValidator } from '#templates/validators/template'
import { sourceProblemField } from '#templates/presenters/form_problems'

/** A new page for a template: another file, or another page of the PDF already uploaded. Either way a new version. */
export default class TemplateSourcesController {
  async update(ctx: HttpContext) {
    const { org, actor, bouncer, params, request, response, session } = ctx
    await bouncer.authorize('allows', 'templates.manage')
    const input = await request.validateUsing(templateSourceValidator)
    const upload = await readUpload(ctx)
    const back = () => response.redirect().toRoute('templates.templates.show', { id: params.id })
    // No file is fine here: another page of the PDF already uploaded.
    if (upload.kind === 'too_large') {
      flashFieldErrors(ctx, [uploadProblemField(upload, '')])
      return back()
    }
    const result = await ReplaceTemplateSource.handle({
      org,
      templateId: params.id,
      upload: upload.kind === 'ok' ? upload : null,
      page: input.page ?? 1,
      actorUserId: actor.user.id,
      origin: originOf(ctx),
    })
    if (result.kind === 'replaced') {
      const moved = result.movedFields.length
        ? ` ${result.movedFields.map(labelFor).join(', ')} did not fit on the new page and ${result.movedFields.length === 1 ? 'was' : 'were'} moved onto it: check ${result.movedFields.length === 1 ? 'its' : 'their'} position.`
        : ''
      session.flash(
        'success',
        `New page saved as version ${result.version.versionNumber}; the fields were kept.${moved}`
      )
    } else if (result.kind === 'not_found') {
      throw notFound()
    } else if (result.kind === 'archived') {
      session.flash('error', 'This template is archived. Restore it before changing its page.')
    } else if (result.kind === 'no_original') {
      flashFieldError(ctx, 'file', 'Choose a file to upload.')
    } else {
      // What is left is a problem with the file or the page (a new kind is a compile error here).
      flashFieldErrors(ctx, [sourceProblemField(result)])
    }
    return back()
  }
}
