import type { HttpContext } from '@adonisjs/core/http'
import { unhandled } from '#core/services/exhaustive'
import { originOf } from '#core/http/origin'
import AddImportRows from '#imports/actions/add_import_rows'
import UpdateImportRow from '#imports/actions/update_import_row'
import DeleteImportRows from '#imports/actions/delete_import_rows'
import OrgImports from '#imports/queries/org_imports'
import { pastedRows } from '#imports/services/pasted_rows'
import { importRowValuesValidator } from '#imports/validators/import'
import { notFound } from '#core/http/not_found'
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
    const { org, actor, bouncer, params, request, response, session } = ctx
    await bouncer.authorize('allows', 'imports.manage')
    const job = await OrgImports.find(org, params.id)
    if (!job) throw notFound()
    const input = await request.validateUsing(importRowValuesValidator)
    const values = input.values ?? byColumn(job.columns, input.cells)
    const rows = input.pasted
      ? pastedRows(input.pasted, job.columns, job.mapping)
      : values
        ? [values]
        : (input.rows ?? [])
    const back = () =>
      response.redirect().toRoute('imports.imports.show', { id: job.id }, { qs: { only: 'all' } })
    const filled = rows.filter((row) =>
      Object.values(row).some((value) => (value ?? '').trim() !== '')
    )
    if (filled.length === 0) {
      session.flash(
        'error',
        input.pasted
          ? 'Nothing to add: paste rows copied from a spreadsheet, one recipient per line.'
          : 'Nothing to add: fill in at least the name.'
      )
      return back()
    }
    const result = await AddImportRows.handle({
      org,
      importId: job.id,
      rows: filled,
      actorUserId: actor.user.id,
      origin: originOf(ctx),
    })
    switch (result.kind) {
      case 'added': {
        const bad = result.rows.filter((row) => row.errorCount > 0).length
        session.flash(
          bad ? 'error' : 'success',
          `${result.rows.length} recipient${result.rows.length === 1 ? '' : 's'} added${bad ? `; ${bad} need${bad === 1 ? 's' : ''} fixing (see the errors below)` : ''}.`
        )
        return back()
      }
      case 'too_many_rows':
        session.flash('error', `An import holds at most ${formatNumber(result.limit)} recipients.`)
        return back()
      case 'busy':
        session.flash('error', 'The file is still being read. Add recipients once it is done.')
        return back()
      case 'templates_gone':
        session.flash(
          'error',
          'A template this import was meant for no longer exists or is archived.'
        )
        return back()
      case 'not_found':
        throw notFound()
      default:
        return unhandled(result)
    }
  }

  async update(ctx: HttpContext) {
    const { org, actor, bouncer, params, request, response, session } = ctx
    await bouncer.authorize('allows', 'imports.manage')
    const input = await request.validateUsing(importRowValuesValidator)
    const job = await OrgImports.find(org, params.id)
    if (!job) throw notFound()
    const values = input.values ?? byColumn(job.columns, input.cells) ?? {}
    const result = await UpdateImportRow.handle({
      org,
      importId: job.id,
      rowId: params.row_id,
      values,
      actorUserId: actor.user.id,
      origin: originOf(ctx),
    })
    switch (result.kind) {
      case 'updated':
        session.flash(
          result.row.errorCount ? 'error' : 'success',
          result.row.errorCount
            ? `Row ${result.row.rowIndex} still has ${result.row.errorCount === 1 ? 'a problem' : 'problems'}: ${result.row.errors.map((error) => error.message).join(' ')}`
            : `Row ${result.row.rowIndex} fixed.`
        )
        return response
          .redirect()
          .toRoute(
            'imports.imports.show',
            { id: params.id },
            { qs: { only: request.input('only', 'errors') } }
          )
      case 'busy':
        session.flash('error', 'The file is still being read. Fix rows once it is done.')
        return response.redirect().toRoute('imports.imports.show', { id: params.id })
      case 'templates_gone':
        session.flash(
          'error',
          'A template this import was meant for no longer exists or is archived.'
        )
        return response.redirect().toRoute('imports.imports.show', { id: params.id })
      case 'not_found':
        throw notFound()
      default:
        return unhandled(result)
    }
  }

  async destroy(ctx: HttpContext) {
    const { org, actor, bouncer, params, request, response, session } = ctx
    await bouncer.authorize('allows', 'imports.manage')
    const result = await DeleteImportRows.handle({
      org,
      importId: params.id,
      rowIds: [params.row_id],
      actorUserId: actor.user.id,
      origin: originOf(ctx),
    })
    switch (result.kind) {
      case 'deleted':
        session.flash('success', 'Row removed.')
        return response
          .redirect()
          .toRoute(
            'imports.imports.show',
            { id: params.id },
            { qs: { only: request.input('only', 'all') } }
          )
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
