import type { HttpContext } from '@adonisjs/core/http'
import { apiActing } from '#api/middleware/acting'
import imports from '#config/imports'
import { unhandled } from '#core/services/exhaustive'
import RemapImport from '#imports/actions/remap_import'
import OrgImports from '#imports/queries/org_imports'
import { waitForImportRun } from '#imports/services/import_runner'
import { apiImportMappingValidator } from '#imports/validators/import'
import { fail } from '#api/controllers/api_responses'
import { notFound } from '#core/http/not_found'
import { importFailed, importJson } from '#api/controllers/import_json'

/** `PUT /api/v1/imports/:id/mapping` `{ mapping, sheet?, header_row? }`: every row checked again, no upload needed. */
export default class ImportMappingsController {
  async update(ctx: HttpContext) {
    const { apiOrg, params, request, response } = ctx
    const input = await request.validateUsing(apiImportMappingValidator)
    const result = await RemapImport.handle({
      importId: params.id,
      mapping: input.mapping,
      sheet: input.sheet,
      headerRow: input.header_row,
      ...apiActing(ctx),
    })
    switch (result.kind) {
      case 'remapped':
        return importJson(result.job)
      case 'rereading': {
        const outcome = await waitForImportRun(result.run, imports.waitForResultMs)
        const job = (await OrgImports.find(apiOrg, result.job.id))!
        if (outcome?.kind === 'failed') return importFailed(response, job)
        return importJson(job)
      }
      case 'busy':
        return fail(response, 409, [
          {
            code: 'E_IMPORT_BUSY',
            message: 'The file is still being read; change the mapping once its status is ready.',
          },
        ])
      case 'not_a_file':
        return fail(response, 422, [
          {
            code: 'E_NOT_A_FILE',
            message: 'Recipients typed in have no sheet or header row to choose.',
            field: input.sheet !== undefined ? 'sheet' : 'header_row',
          },
        ])
      case 'bad_mapping':
        return fail(response, 422, [
          {
            code: 'E_MAPPING_INVALID',
            message: result.message,
            field: result.field === 'template_ids' ? 'template_ids' : 'mapping',
          },
        ])
      case 'revalidation_failed':
        return fail(response, 503, [
          {
            code: 'E_TRY_AGAIN',
            message: 'The rows could not be checked again in time. Try again.',
          },
        ])
      case 'not_found':
        throw notFound()
      default:
        return unhandled(result)
    }
  }
}
