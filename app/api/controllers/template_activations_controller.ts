import type { HttpContext } from '@adonisjs/core/http'
import ActivateTemplate from '#templates/actions/activate_template'
import DeactivateTemplate from '#templates/actions/deactivate_template'
import { changeStatus } from '#api/controllers/template_json'

/** `POST /api/v1/templates/:id/activation` activates; `DELETE` puts it back in draft. */
export default class TemplateActivationsController {
  store(ctx: HttpContext) {
    return changeStatus(ctx, ActivateTemplate)
  }

  destroy(ctx: HttpContext) {
    return changeStatus(ctx, DeactivateTemplate)
  }
}
