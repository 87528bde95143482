import type { HttpContext } from '@adonisjs/core/http'
import ActivateTemplate from '#templates/actions/activate_template'
import DeactivateTemplate from '#templates/actions/deactivate_template'
import { templateStatusNotice } from '#templates/presenters/template_status'
import { originOf } from '#core/http/origin'
import { redirectWithNotice } from '#core/http/forms'

/** `POST /templates/:id/activation` activates; `DELETE` puts it back in draft. */
export default class TemplateActivationsController {
  async store(ctx: HttpContext) {
    const { org, actor, bouncer, params } = ctx
    await bouncer.authorize('allows', 'templates.manage')
    const result = await ActivateTemplate.handle({
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
    const result = await DeactivateTemplate.handle({
      org,
      templateId: params.id,
      actorUserId: actor.user.id,
      origin: originOf(ctx),
    })
    const notice = templateStatusNotice(result)
    return redirectWithNotice(ctx, notice).toRoute('templates.templates.show', { id: params.id })
  }
}
