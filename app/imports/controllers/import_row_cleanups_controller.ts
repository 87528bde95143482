import type { HttpContext } from '@adonisjs/core/http'
import { unhandled } from '#core/services/exhaustive'
import { originOf } from '#core/http/origin'
import DeleteImportRows from '#imports/actions/delete_import_rows'
import { importRowsDeleteValidator } from '#imports/validators/import'
import { notFound } from '#core/http/not_found'

/** `POST /imports/:id/row-cleanups` `{ which: duplicates | errors }`: drop every row of that kind at once. */
export default class ImportRowCleanupsController {
  async store(ctx: HttpContext) {
    const { org, actor, bouncer, params, request, response, session } = ctx
    await bouncer.authorize('allows', 'imports.manage')
    const input = await request.validateUsing(importRowsDeleteValidator)
    const which = input.which ?? 'duplicates'
    const result = await DeleteImportRows.handle({
      org,
      importId: params.id,
      which,
      actorUserId: actor.user.id,
      origin: originOf(ctx),
    })
    switch (result.kind) {
      case 'deleted':
        session.flash(
          'success',
          `${result.count} ${which === 'duplicates' ? 'duplicate' : 'invalid'} row${result.count === 1 ? '' : 's'} removed.`
        )
        return response
          .redirect()
          .toRoute('imports.imports.show', { id: params.id }, { qs: { only: 'all' } })
      case 'busy':
        session.flash('error', 'The file is still being read.')
        return response.redirect().toRoute('imports.imports.show', { id: params.id })
      case 'not_found':
        throw notFound()
      default:
        return unhandled(result)
    }
  }
}
