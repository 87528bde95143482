import type { HttpContext } from '@adonisjs/core/http'
import { originOf } from '#core/http/origin'
import DeleteImportRows from '#imports/actions/delete_import_rows'
import { importRowsDeleteValidator } from '#imports/validators/import'
import { throwNotFound } from '#core/http/not_found'
import { redirectWith } from '#core/http/forms'
import { handle } from '#core/http/outcomes'

/** `POST /imports/:id/row-cleanups` `{ which: duplicates | errors }`: drop every row of that kind at once. */
export default class ImportRowCleanupsController {
  async store(ctx: HttpContext) {
    const { org, actor, bouncer, params, request } = ctx
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
    return handle(result, {
      deleted: ({ count }) =>
        redirectWith(
          ctx,
          'success',
          `${count} ${which === 'duplicates' ? 'duplicate' : 'invalid'} row${count === 1 ? '' : 's'} removed.`
        ).toRoute('imports.imports.show', { id: params.id }, { qs: { only: 'all' } }),
      busy: () =>
        redirectWith(ctx, 'error', 'The file is still being read.').toRoute(
          'imports.imports.show',
          {
            id: params.id,
          }
        ),
      not_found: throwNotFound,
    })
  }
}
