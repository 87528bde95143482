import type { HttpContext } from '@adonisjs/core/http'
import ActivateTemplate from '#templates/actions/activate_template'
import DeactivateTemplate from '#templates/actions/deactivate_template'
import { templateStatusNotice } from '#templates/presenters/template_status'
import { actingIn } from '#orgs/middleware/acting'
import { redirectWithNotice } from '#core/http/forms'

/** `POST /templates/:id/activation` activates; `DELETE` puts it back in draft. */
export default class TemplateActivationsController {
  async store(ctx: HttpContext) {
    await ctx.bouncer.authorize('allows', 'templates.manage')
    const result = await ActivateTemplate.handle({ ...actingIn(ctx), templateId: ctx.params.id })
    const notice = templateStatusNotice(result)
    return redirectWithNotice(ctx, notice).toRoute('templates.templates.show', {
      id: ctx.params.id,
    })
  }

  async destroy(ctx: HttpContext) {
    await ctx.bouncer.authorize('allows', 'templates.manage')
    const result = await DeactivateTemplate.handle({ ...actingIn(ctx), templateId: ctx.params.id })
    const notice = templateStatusNotice(result)
    return redirectWithNotice(ctx, notice).toRoute('templates.templates.show', {
      id: ctx.params.id,
    })
  }
}
