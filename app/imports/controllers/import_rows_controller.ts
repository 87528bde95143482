import type { HttpContext } from '@adonisjs/core/http'
import { originOf } from '#core/http/origin'
import AddImportRows from '#imports/actions/add_import_rows'
import UpdateImportRow from '#imports/actions/update_import_row'
import DeleteImportRows from '#imports/actions/delete_import_rows'
import OrgImports from '#imports/queries/org_imports'
import { pastedRows } from '#imports/services/pasted_rows'
import { importRowValuesValidator } from '#imports/validators/import'
import { foundOr404, throwNotFound } from '#core/http/not_found'
import { redirectWith } from '#core/http/forms'
import { handle } from '#core/http/outcomes'
import { formatNumber } from '#core/services/formatting'

/**
 * `cells[c2]=…` (column position) → `{ "Mobile No.": … }` (column name).
 * Positions carry a letter so the body parser keeps an object (it turns
 * `cells[2]` into a sparse array).
 */
function byColumn(columns: string[], cells: Record<string, string | null | undefined> | undefined) {
  if (!cells) return undefined
  const values: Record<string, string | null | undefined> = {}
  for (const [position, value] of Object.entries(cells)) {
    const column = /^c\d+$/.test(position) ? columns[Number(position.slice(1))] : undefined
    if (column !== undefined) values[column] = value
  }
  return values
}

/** Rows of an import: add (typed or pasted), fix one in place, drop one. */
export default class ImportRowsController {
  async store(ctx: HttpContext) {
    const { org, actor, bouncer, params, request } = ctx
    await bouncer.authorize('allows', 'imports.manage')
    const job = foundOr404(await OrgImports.find(org, params.id))
    const input = await request.validateUsing(importRowValuesValidator)
    const values = input.values ?? byColumn(job.columns, input.cells)
    const rows = input.pasted
      ? pastedRows(input.pasted, job.columns, job.mapping)
      : values
        ? [values]
        : (input.rows ?? [])
    const back = (level: 'success' | 'error', message: string) =>
      redirectWith(ctx, level, message).toRoute(
        'imports.imports.show',
        { id: job.id },
        { qs: { only: 'all' } }
      )
    const filled = rows.filter((row) =>
      Object.values(row).some((value) => (value ?? '').trim() !== '')
    )
    if (filled.length === 0)
      return back(
        'error',
        input.pasted
          ? 'Nothing to add: paste rows copied from a spreadsheet, one recipient per line.'
          : 'Nothing to add: fill in at least the name.'
      )
    const result = await AddImportRows.handle({
      org,
      importId: job.id,
      rows: filled,
      actorUserId: actor.user.id,
      origin: originOf(ctx),
    })
    return handle(result, {
      added: ({ rows: added }) => {
        const bad = added.filter((row) => row.errorCount > 0).length
        return back(
          bad ? 'error' : 'success',
          `${added.length} recipient${added.length === 1 ? '' : 's'} added${bad ? `; ${bad} need${bad === 1 ? 's' : ''} fixing (see the errors below)` : ''}.`
        )
      },
      too_many_rows: ({ limit }) =>
        back('error', `An import holds at most ${formatNumber(limit)} recipients.`),
      busy: () => back('error', 'The file is still being read. Add recipients once it is done.'),
      templates_gone: () =>
        back('error', 'A template this import was meant for no longer exists or is archived.'),
      not_found: throwNotFound,
    })
  }

  async update(ctx: HttpContext) {
    const { org, actor, bouncer, params, request } = ctx
    await bouncer.authorize('allows', 'imports.manage')
    const input = await request.validateUsing(importRowValuesValidator)
    const job = foundOr404(await OrgImports.find(org, params.id))
    const values = input.values ?? byColumn(job.columns, input.cells) ?? {}
    const result = await UpdateImportRow.handle({
      org,
      importId: job.id,
      rowId: params.row_id,
      values,
      actorUserId: actor.user.id,
      origin: originOf(ctx),
    })
    const refused = (message: string) =>
      redirectWith(ctx, 'error', message).toRoute('imports.imports.show', { id: params.id })
    return handle(result, {
      updated: ({ row }) =>
        redirectWith(
          ctx,
          row.errorCount ? 'error' : 'success',
          row.errorCount
            ? `Row ${row.rowIndex} still has ${row.errorCount === 1 ? 'a problem' : 'problems'}: ${row.errors.map((error) => error.message).join(' ')}`
            : `Row ${row.rowIndex} fixed.`
        ).toRoute(
          'imports.imports.show',
          { id: params.id },
          { qs: { only: request.input('only', 'errors') } }
        ),
      busy: () => refused('The file is still being read. Fix rows once it is done.'),
      templates_gone: () =>
        refused('A template this import was meant for no longer exists or is archived.'),
      not_found: throwNotFound,
    })
  }

  async destroy(ctx: HttpContext) {
    const { org, actor, bouncer, params, request } = ctx
    await bouncer.authorize('allows', 'imports.manage')
    const result = await DeleteImportRows.handle({
      org,
      importId: params.id,
      rowIds: [params.row_id],
      actorUserId: actor.user.id,
      origin: originOf(ctx),
    })
    return handle(result, {
      deleted: () =>
        redirectWith(ctx, 'success', 'Row removed.').toRoute(
          'imports.imports.show',
          { id: params.id },
          { qs: { only: request.input('only', 'all') } }
        ),
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
