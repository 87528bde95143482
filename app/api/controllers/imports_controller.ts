import type { HttpContext } from '@adonisjs/core/http'
import { apiActing } from '#api/middleware/acting'
import { paginationOf } from '#core/http/pagination'
import imports from '#config/imports'
import { unhandled } from '#core/services/exhaustive'
import { fileTypeLabel, formatBytes } from '#core/services/file_type'
import { readUploadedFile } from '#core/services/uploaded_file'
import CreateImport from '#imports/actions/create_import'
import OrgImports from '#imports/queries/org_imports'
import { waitForImportRun } from '#imports/services/import_runner'
import { apiImportCreateValidator } from '#imports/validators/import'
import {
  fail,
  fileRequired,
  fileTooLarge,
  taxonomyError,
  pageJson,
} from '#api/controllers/api_responses'
import { foundOr404 } from '#core/http/not_found'
import { importFailed, importJson } from '#api/controllers/import_json'

/**
 * Multipart fields that carry structure arrive as text: `mapping` as a JSON object, `template_ids`
 * as JSON or comma-separated.
 */
export function structuredField(
  value: unknown,
  kind: 'object' | 'list'
): { ok: true; value: unknown } | { ok: false } {
  if (typeof value !== 'string') return { ok: true, value }
  const text = value.trim()
  if (text === '') return { ok: true, value: undefined }
  if (kind === 'list' && !text.startsWith('['))
    return {
      ok: true,
      value: text
        .split(',')
        .map((id) => id.trim())
        .filter(Boolean),
    }
  try {
    return { ok: true, value: JSON.parse(text) }
  } catch {
    return { ok: false }
  }
}

/** `/api/v1/imports`: recipient lists of the API key's org. */
export default class ImportsController {
  async index({ apiOrg, request }: HttpContext) {
    const pagination = await paginationOf(request.qs(), { perPage: 25 })
    const page = await OrgImports.list(apiOrg, pagination.page, pagination.perPage)
    return pageJson(page, importJson)
  }

  async show({ apiOrg, params }: HttpContext) {
    return importJson(foundOr404(await OrgImports.find(apiOrg, params.id)))
  }

  async store(ctx: HttpContext) {
    const { apiOrg, request, response } = ctx
    const upload = await readUploadedFile(ctx, 'file', imports.maxBytes)
    if (upload.kind === 'missing') {
      return fileRequired(
        response,
        'Send the recipient list as the multipart part "file" (CSV, TSV, TXT or XLSX).'
      )
    }
    if (upload.kind === 'too_large') {
      return fileTooLarge(
        response,
        `The file is larger than ${formatBytes(upload.maxBytes)}, the most a recipient list may be (IMPORT_MAX_BYTES).`
      )
    }
    const mapping = structuredField(request.input('mapping'), 'object')
    if (!mapping.ok)
      return fail(response, 422, [
        {
          code: 'E_VALIDATION',
          message:
            'mapping must be a JSON object of our keys to column headers, e.g. {"recipient_name":"Full Name"}.',
          field: 'mapping',
        },
      ])
    const templateIds = structuredField(request.input('template_ids'), 'list')
    if (!templateIds.ok)
      return fail(response, 422, [
        {
          code: 'E_VALIDATION',
          message: 'template_ids must be a JSON array or a comma-separated list of template ids.',
          field: 'template_ids',
        },
      ])
    const input = await apiImportCreateValidator.validate({
      ...request.only(['sheet', 'header_row', 'category_key', 'subcategory_key']),
      mapping: mapping.value,
      template_ids: templateIds.value,
    })

    const result = await CreateImport.handle({
      file: upload,
      templateIds: input.template_ids ?? [],
      mapping: input.mapping ?? null,
      sheet: input.sheet ?? null,
      headerRow: input.header_row ?? null,
      taxonomy: {
        categoryKey: input.category_key ?? null,
        subcategoryKey: input.subcategory_key ?? null,
      },
      ...apiActing(ctx),
    })
    switch (result.kind) {
      case 'created': {
        // Small files answer ready (or failed); large ones answer processing and finish in the background.
        const outcome = await waitForImportRun(result.run, imports.waitForResultMs)
        const job = (await OrgImports.find(apiOrg, result.job.id))!
        if (outcome?.kind === 'failed') return importFailed(response, job)
        return response.status(201).send(importJson(job))
      }
      case 'too_large':
        return fileTooLarge(
          response,
          `The file is larger than ${formatBytes(result.maxBytes)}, the most a recipient list may be (IMPORT_MAX_BYTES).`
        )
      case 'unsupported_type':
        return fail(response, 415, [
          {
            code: 'E_UNSUPPORTED_TYPE',
            message: `${result.detected ? `This is a ${fileTypeLabel(result.detected)} file` : 'The type of this file is not recognised'}; send CSV, TSV or text, or an Excel .xlsx workbook.`,
            field: 'file',
          },
        ])
      case 'unknown_templates':
        return fail(response, 422, [
          {
            code: 'E_UNKNOWN_TEMPLATE',
            message: `No active or draft template of this organization has the id ${result.ids[0]}.`,
            field: 'template_ids',
          },
        ])
      case 'unknown_category':
      case 'subcategory_without_category':
      case 'unknown_subcategory':
        return fail(response, 422, [taxonomyError(result)])
      default:
        return unhandled(result)
    }
  }
}
