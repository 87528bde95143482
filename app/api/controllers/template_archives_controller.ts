import type { HttpContext } from '@adonisjs/core/http'
import { changeStatus } from '#api/controllers/template_json'

/** `POST /api/v1/templates/:id/archive` archives; `DELETE` restores it as a draft. */
export default class TemplateArchivesController {
  store(ctx: HttpContext) {
    return changeStatus(ctx, 'archived')
  }

  destroy(ctx: HttpContext) {
    return changeStatus(ctx, 'draft')
  }
}
