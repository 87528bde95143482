import type { HttpContext } from '@adonisjs/core/http'
import ArchiveTemplate from '#templates/actions/archive_template'
import RestoreTemplate from '#templates/actions/restore_template'
import { templateStatusNotice } from '#templates/presenters/template_status'
import { originOf } from '#core/http/origin'
import { redirectWithNotice } from '#core/http/forms'

/** `POST /templates/:id/archive` archives; `DELETE` restores it as a draft. */
export default class TemplateArchivesController {
  async store(ctx: HttpContext) {
    const { org, actor, bouncer, params } = ctx
    await bouncer.authorize('allows', 'templates.manage')
    const result = await ArchiveTemplate.handle({
      org,
      templateId: params.id,
      actorUserId: actor.user.id,
      origin: originOf(ctx),
    })
    const notice = templateStatusNotice(result)
    return redirectWithNotice(ctx, notice).toRoute('templates.templates.show', { id: params.id })
  }

  async destroy(ctx: HttpContext) {
    const { org, actor, bouncer, params } = ctx
    await bouncer.authorize('allows', 'templates.manage')
    const result = await RestoreTemplate.handle({
      org,
      templateId: params.id,
      actorUserId: actor.user.id,
      origin: originOf(ctx),
    })
    const notice = templateStatusNotice(result)
    return redirectWithNotice(ctx, notice).toRoute('templates.templates.show', { id: params.id })
  }
}
