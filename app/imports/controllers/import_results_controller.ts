import type { HttpContext } from '@adonisjs/core/http'
import OrgImports from '#imports/queries/org_imports'
import { notFound } from '#core/http/not_found'
import { importResults } from '#imports/presenters/import_results'

/**
 * `GET /imports/:id/results`: the import's status, counts and rows as one
 * island, rendered in its page and by itself. While the file is being
 * read it polls itself every second; once ready or failed it stops.
 */
export default class ImportResultsController {
  async show({ org, bouncer, params, request, response, view }: HttpContext) {
    await bouncer.authorize('allows', 'imports.manage')
    const job = await OrgImports.find(org, params.id)
    if (!job) throw notFound()
    response.header('Vary', 'HX-Request')
    const data = await importResults(job, request.qs())
    // The first answer after the read finished reloads the page: mapping and forms depend on the file's columns.
    if (!data.polling && request.header('HX-Request') && request.input('polling'))
      response.header('HX-Refresh', 'true')
    return view.render('components/imports/results', { job, ...data })
  }
}
