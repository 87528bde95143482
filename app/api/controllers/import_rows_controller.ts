import type { HttpContext } from '@adonisjs/core/http'
import { pageJson } from '#api/controllers/api_responses'
import { paginationOf } from '#core/http/pagination'
import OrgImports from '#imports/queries/org_imports'
import { importRowsFilterValidator } from '#imports/validators/import'
import { notFound } from '#core/http/not_found'
import { importRowJson } from '#api/controllers/import_json'

/** `GET /api/v1/imports/:id/rows?only=errors|warnings|valid|skipped|all`: rows in file order, a page at a time. */
export default class ImportRowsController {
  async index({ apiOrg, params, request }: HttpContext) {
    const pagination = await paginationOf(request.qs(), { perPage: 50 })
    const input = await importRowsFilterValidator.validate(request.qs())
    const job = await OrgImports.find(apiOrg, params.id)
    if (!job) throw notFound()
    const page = await OrgImports.rows(
      job,
      input.only ?? 'all',
      pagination.page,
      pagination.perPage
    )
    return pageJson(page, importRowJson)
  }
}
