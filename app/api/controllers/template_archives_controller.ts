import type { HttpContext } from '@adonisjs/core/http'
import ArchiveTemplate from '#templates/actions/archive_template'
import RestoreTemplate from '#templates/actions/restore_template'
import { changeStatus } from '#api/controllers/template_json'

/** `POST /api/v1/templates/:id/archive` archives; `DELETE` restores it as a draft. */
export default class TemplateArchivesController {
  store(ctx: HttpContext) {
    return changeStatus(ctx, ArchiveTemplate)
  }

  destroy(ctx: HttpContext) {
    return changeStatus(ctx, RestoreTemplate)
  }
}
