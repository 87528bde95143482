import type { HttpContext } from '@adonisjs/core/http'
import { unhandled } from '#core/services/exhaustive'
import { originOf } from '#core/http/origin'
import RemapImport from '#imports/actions/remap_import'
import { waitForImportRun } from '#imports/services/import_runner'
import imports from '#config/imports'
import { importMappingValidator, mappedColumns } from '#imports/validators/import'
import { notFound } from '#core/http/not_found'

/** `PUT /imports/:id/mapping`: which column feeds which key, or another sheet or header row. */
export default class ImportMappingsController {
  async update(ctx: HttpContext) {
    const { org, actor, bouncer, params, request, response, session } = ctx
    await bouncer.authorize('allows', 'imports.manage')
    const input = await request.validateUsing(importMappingValidator)
    // Unmapped keys arrive as empty choices: they mean "not in this file".
    const mapping = input.mapping ? mappedColumns(input.mapping) : undefined
    const result = await RemapImport.handle({
      org,
      importId: params.id,
      mapping,
      sheet: input.sheet,
      headerRow: input.header_row,
      actorUserId: actor.user.id,
      origin: originOf(ctx),
    })
    const back = () => response.redirect().toRoute('imports.imports.show', { id: params.id })
    switch (result.kind) {
      case 'remapped':
        session.flash(
          'success',
          `Mapping saved and every row checked again: ${result.job.validRows} ready, ${result.job.errorRows} with errors. It will be suggested for your next file with these columns.`
        )
        return back()
      case 'rereading':
        await waitForImportRun(result.run, imports.waitForResultMs)
        session.flash('success', 'The file is being read again with your choice.')
        return back()
      case 'busy':
        session.flash(
          'error',
          'The file is still being read. Wait until it is done, then change the mapping.'
        )
        return back()
      case 'not_a_file':
        session.flash('error', 'Recipients typed in have no sheet or header row to choose.')
        return back()
      case 'revalidation_failed':
        session.flash('error', 'The rows could not be checked again in time. Try again.')
        return back()
      case 'bad_mapping':
        session.flash('error', result.message)
        return back()
      case 'not_found':
        throw notFound()
      default:
        return unhandled(result)
    }
  }
}
