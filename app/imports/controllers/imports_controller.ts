import type { HttpContext } from '@adonisjs/core/http'
import { paginationOf } from '#core/http/pagination'
import router from '@adonisjs/core/services/router'
import imports from '#config/imports'
import { unhandled } from '#core/services/exhaustive'
import { fileTypeLabel, formatBytes } from '#core/services/file_type'
import { readUploadedFile } from '#core/services/uploaded_file'
import { originOf } from '#core/http/origin'
import { flashFieldError } from '#core/http/forms'
import OrgTaxonomy from '#orgs/queries/org_taxonomy'
import { type TaxonomyProblem, taxonomyProblemMessage } from '#templates/queries/template_taxonomy'
import OrgTemplates from '#templates/queries/org_templates'
import type Organization from '#orgs/models/organization'
import CreateImport from '#imports/actions/create_import'
import CreateManualImport from '#imports/actions/create_manual_import'
import OrgImports from '#imports/queries/org_imports'
import { type TemplatesProblem, importRulesFor } from '#imports/queries/import_rules'
import { mappableKeys } from '#imports/services/import_processing'
import { IMPORT_KEYS, keyLabel } from '#imports/services/column_mapping'
import { columnLetter } from '#imports/services/source_table'
import { waitForImportRun } from '#imports/services/import_runner'
import { importCreateValidator } from '#imports/validators/import'
import { notFound } from '#core/http/not_found'
import { importResults } from '#imports/presenters/import_results'
import { templateNeeds } from '#imports/presenters/template_needs'
import { formatNumber } from '#core/services/formatting'

/** A template or category choice that does not hold, shown under its field. */
function flashChoiceProblem(ctx: HttpContext, problem: TemplatesProblem | TaxonomyProblem) {
  if (problem.kind === 'unknown_templates')
    flashFieldError(
      ctx,
      'template_ids',
      'One of the chosen templates does not exist or is archived.'
    )
  else
    flashFieldError(
      ctx,
      problem.kind === 'unknown_subcategory' ? 'subcategory_id' : 'category_id',
      taxonomyProblemMessage(problem)
    )
}

const tooLargeMessage = (maxBytes: number) =>
  `The file is larger than ${formatBytes(maxBytes)}, the most a recipient list may be. Split it into several files.`

/** What the upload form shows: the templates a list can be for, categories and the limits. */
async function createPage(org: Organization) {
  const templates = await OrgTemplates.list(org, { status: 'current', perPage: 100 })
  return {
    nav: 'imports',
    templates: templates.all().map((template) => ({
      id: template.id,
      name: template.name,
      needs: templateNeeds(template.currentVersion?.fields ?? []),
    })),
    categories: await OrgTaxonomy.for(org),
    maxUpload: formatBytes(imports.maxBytes),
    maxRows: formatNumber(imports.maxRows),
    fileError: null as string | null,
  }
}

export default class ImportsController {
  async index({ org, bouncer, request, view }: HttpContext) {
    await bouncer.authorize('allows', 'imports.manage')
    const { page: number } = await paginationOf(request.qs(), { perPage: 25 })
    const page = await OrgImports.list(org, number)
    page.baseUrl(router.builder().make('imports.imports.index'))
    return view.render('pages/imports/imports/index', { nav: 'imports', imports: page })
  }

  async create({ org, bouncer, view }: HttpContext) {
    await bouncer.authorize('allows', 'imports.manage')
    return view.render('pages/imports/imports/create', await createPage(org))
  }

  /** A file upload, or (`source=manual`) an empty list to type or paste recipients into. */
  async store(ctx: HttpContext) {
    const { org, actor, bouncer, request, response, session } = ctx
    await bouncer.authorize('allows', 'imports.manage')
    const input = await request.validateUsing(importCreateValidator)
    const back = () => response.redirect().toRoute('imports.imports.create')
    const taxonomy = {
      categoryId: input.category_id ?? null,
      subcategoryId: input.subcategory_id ?? null,
    }

    if (request.input('source') === 'manual') {
      const manual = await CreateManualImport.handle({
        org,
        name: input.name,
        templateIds: input.template_ids ?? [],
        taxonomy,
        actorUserId: actor.user.id,
        origin: originOf(ctx),
      })
      switch (manual.kind) {
        case 'created':
          session.flash(
            'success',
            'Add recipients below: type them in, or paste rows copied from a spreadsheet.'
          )
          return response.redirect().toRoute('imports.imports.show', { id: manual.job.id })
        case 'unknown_templates':
        case 'unknown_category':
        case 'unknown_subcategory':
        case 'subcategory_without_category':
          flashChoiceProblem(ctx, manual)
          return back()
        default:
          return unhandled(manual)
      }
    }

    // Over the size limit the form comes back at once as a 413, the limit named under the file field.
    const tooLarge = async (maxBytes: number) =>
      response.status(413).send(
        await ctx.view.render('pages/imports/imports/create', {
          ...(await createPage(org)),
          fileError: tooLargeMessage(maxBytes),
        })
      )
    const upload = await readUploadedFile(ctx, 'file', imports.maxBytes)
    if (upload.kind === 'missing') {
      flashFieldError(ctx, 'file', 'Choose the CSV, TSV or Excel (.xlsx) file of your recipients.')
      return back()
    }
    if (upload.kind === 'too_large') return tooLarge(upload.maxBytes)
    const result = await CreateImport.handle({
      org,
      file: upload,
      templateIds: input.template_ids ?? [],
      sheet: input.sheet ?? null,
      headerRow: input.header_row ?? null,
      taxonomy,
      actorUserId: actor.user.id,
      origin: originOf(ctx),
    })
    switch (result.kind) {
      case 'created':
        // Small files are read by the time the page opens; large ones show their progress there.
        await waitForImportRun(result.run, imports.waitForResultMs)
        return response.redirect().toRoute('imports.imports.show', { id: result.job.id })
      case 'too_large':
        return tooLarge(result.maxBytes)
      case 'unsupported_type':
        flashFieldError(
          ctx,
          'file',
          `${result.detected ? `This is a ${fileTypeLabel(result.detected)} file` : 'The type of this file is not recognised'}; upload a CSV, TSV or text export, or an Excel .xlsx workbook (save .xls files as .xlsx first).`
        )
        return back()
      case 'unknown_templates':
      case 'unknown_category':
      case 'unknown_subcategory':
      case 'subcategory_without_category':
        flashChoiceProblem(ctx, result)
        return back()
      default:
        return unhandled(result)
    }
  }

  async show({ org, bouncer, params, request, view }: HttpContext) {
    await bouncer.authorize('allows', 'imports.manage')
    const job = await OrgImports.find(org, params.id)
    if (!job) throw notFound()
    const rules = await importRulesFor(org, job.templateIds)
    const keys = rules.kind === 'ok' ? mappableKeys(rules.rules) : Object.keys(IMPORT_KEYS)
    return view.render('pages/imports/imports/show', {
      nav: 'imports',
      job,
      keys,
      keyLabels: Object.fromEntries(keys.map((key) => [key, keyLabel(key)])),
      requiredKeys: rules.kind === 'ok' ? rules.rules.requiredKeys : ['recipient_name'],
      columnLetters: job.columns.map((_, index) => columnLetter(index)),
      ...(await importResults(job, request.qs())),
    })
  }
}
