import type { HttpContext } from '@adonisjs/core/http'
import { changeStatus } from '#templates/controllers/template_statuses_support'

/** `POST /templates/:id/archive` archives; `DELETE` restores it as a draft. */
export default class TemplateArchivesController {
  store(ctx: HttpContext) {
    return changeStatus(ctx, 'archived')
  }

  destroy(ctx: HttpContext) {
    return changeStatus(ctx, 'draft')
  }
}
