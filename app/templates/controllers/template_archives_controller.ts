import type { HttpContext } from '@adonisjs/core/http'
import ArchiveTemplate from '#templates/actions/archive_template'
import RestoreTemplate from '#templates/actions/restore_template'
import { templateStatusNotice } from '#templates/presenters/template_status'
import { actingIn } from '#orgs/middleware/acting'
import { redirectWithNotice } from '#core/http/forms'

/** `POST /templates/:id/archive` archives; `DELETE` restores it as a draft. */
export default class TemplateArchivesController {
  async store(ctx: HttpContext) {
    await ctx.bouncer.authorize('allows', 'templates.manage')
    const result = await ArchiveTemplate.handle({ ...actingIn(ctx), templateId: ctx.params.id })
    const notice = templateStatusNotice(result)
    return redirectWithNotice(ctx, notice).toRoute('templates.templates.show', {
      id: ctx.params.id,
    })
  }

  async destroy(ctx: HttpContext) {
    await ctx.bouncer.authorize('allows', 'templates.manage')
    const result = await RestoreTemplate.handle({ ...actingIn(ctx), templateId: ctx.params.id })
    const notice = templateStatusNotice(result)
    return redirectWithNotice(ctx, notice).toRoute('templates.templates.show', {
      id: ctx.params.id,
    })
  }
}
