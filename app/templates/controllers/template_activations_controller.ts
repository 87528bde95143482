import type { HttpContext } from '@adonisjs/core/http'
import { changeStatus } from '#templates/controllers/template_statuses_support'

/** `POST /templates/:id/activation` activates; `DELETE` puts it back in draft. */
export default class TemplateActivationsController {
  store(ctx: HttpContext) {
    return changeStatus(ctx, 'active')
  }

  destroy(ctx: HttpContext) {
    return changeStatus(ctx, 'draft')
  }
}
