import type { HttpContext } from '@adonisjs/core/http'
import { originOf } from '#core/http/origin'
import RemapImport from '#imports/actions/remap_import'
import { waitForImportRun } from '#imports/services/import_runner'
import imports from '#config/imports'
import { importMappingValidator, mappedColumns } from '#imports/validators/import'
import { throwNotFound } from '#core/http/not_found'
import { redirectWith } from '#core/http/forms'
import { handle } from '#core/http/outcomes'

/** `PUT /imports/:id/mapping`: which column feeds which key, or another sheet or header row. */
export default class ImportMappingsController {
  async update(ctx: HttpContext) {
    const { org, actor, bouncer, params, request } = ctx
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
    const back = (level: 'success' | 'error', message: string) =>
      redirectWith(ctx, level, message).toRoute('imports.imports.show', { id: params.id })
    return handle(result, {
      remapped: ({ job }) =>
        back(
          'success',
          `Mapping saved and every row checked again: ${job.validRows} ready, ${job.errorRows} with errors. It will be suggested for your next file with these columns.`
        ),
      rereading: async ({ run }) => {
        await waitForImportRun(run, imports.waitForResultMs)
        return back('success', 'The file is being read again with your choice.')
      },
      busy: () =>
        back(
          'error',
          'The file is still being read. Wait until it is done, then change the mapping.'
        ),
      not_a_file: () => back('error', 'Recipients typed in have no sheet or header row to choose.'),
      revalidation_failed: () =>
        back('error', 'The rows could not be checked again in time. Try again.'),
      bad_mapping: ({ message }) => back('error', message),
      not_found: throwNotFound,
    })
  }
}
