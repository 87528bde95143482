import type { HttpContext } from '@adonisjs/core/http'
import { paginationOf } from '#core/http/pagination'
import router from '@adonisjs/core/services/router'
import { formatBytes } from '#core/services/file_type'
import OrgTaxonomy from '#orgs/queries/org_taxonomy'
import { originOf } from '#core/http/origin'
import CreateTemplate from '#templates/actions/create_template'
import UpdateTemplateDetails from '#templates/actions/update_template_details'
import OrgTemplates from '#templates/queries/org_templates'
import {
  templateCreateValidator,
  templateDetailsValidator,
  templateListValidator,
} from '#templates/validators/template'
import { notFound } from '#core/http/not_found'
import { flashFieldErrors, redirectWith } from '#core/http/forms'
import { readUpload, uploadProblemField } from '#core/http/uploads'
import { templateFormProblemField } from '#templates/presenters/form_problems'
import uploads from '#config/uploads'
import BrandingAsset from '#templates/models/branding_asset'
import { designerData, fieldJson } from '#templates/services/designer_data'

export default class TemplatesController {
  async index({ org, bouncer, request, view }: HttpContext) {
    await bouncer.authorize('allows', 'templates.manage')
    // A hand-edited query string is ignored rather than answered with an error page.
    const pagination = await paginationOf(request.qs(), { perPage: 24 })
    const [, input] = await templateListValidator.tryValidate(request.qs())
    const filters = {
      status: input?.status ?? 'current',
      categoryId: input?.category_id ?? null,
      q: input?.q ?? null,
    }
    const templates = await OrgTemplates.list(org, {
      ...filters,
      page: pagination.page,
      perPage: 24,
    })
    templates.baseUrl(router.builder().make('templates.templates.index'))
    templates.queryString(
      Object.fromEntries(
        Object.entries({
          status: input?.status,
          category_id: input?.category_id,
          q: input?.q,
        }).filter(([, v]) => v)
      )
    )
    return view.render('pages/templates/templates/index', {
      nav: 'templates',
      templates,
      filters,
      categories: await OrgTaxonomy.for(org),
    })
  }

  async create({ org, bouncer, view }: HttpContext) {
    await bouncer.authorize('allows', 'templates.manage')
    return view.render('pages/templates/templates/create', {
      nav: 'templates',
      categories: await OrgTaxonomy.for(org),
      maxUpload: formatBytes(uploads.maxBytes),
    })
  }

  async store(ctx: HttpContext) {
    const { org, actor, bouncer, request, response } = ctx
    await bouncer.authorize('allows', 'templates.manage')
    const input = await request.validateUsing(templateCreateValidator)
    const upload = await readUpload(ctx)
    const back = () => response.redirect().toRoute('templates.templates.create')
    if (upload.kind !== 'ok') {
      flashFieldErrors(ctx, [
        uploadProblemField(upload, 'Choose the PDF, PNG or JPEG file of your certificate design.'),
      ])
      return back()
    }

    const result = await CreateTemplate.handle({
      org,
      name: input.name,
      upload,
      page: input.page ?? 1,
      taxonomy: {
        categoryId: input.category_id ?? null,
        subcategoryId: input.subcategory_id ?? null,
      },
      actorUserId: actor.user.id,
      origin: originOf(ctx),
    })
    if (result.kind !== 'created') {
      flashFieldErrors(ctx, [templateFormProblemField(result)])
      return back()
    }
    const meta = result.version.meta
    const pages =
      meta.page_count > 1
        ? ` The PDF has ${meta.page_count} pages; page ${meta.page} is used (you can pick another on the template’s page).`
        : ''
    return redirectWith(
      ctx,
      'success',
      `Template “${result.template.name}” created.${pages} Now place its fields.`
    ).toRoute('templates.templates.edit', { id: result.template.id })
  }

  async show({ org, bouncer, params, view }: HttpContext) {
    await bouncer.authorize('allows', 'templates.manage')
    const template = await OrgTemplates.findWithCurrent(org, params.id)
    if (!template) throw notFound()
    const versions = await OrgTemplates.versions(org, template.id).preload('fields')
    return view.render('pages/templates/templates/show', {
      nav: 'templates',
      template,
      version: template.currentVersion,
      versions,
      categories: await OrgTaxonomy.for(org),
      maxUpload: formatBytes(uploads.maxBytes),
    })
  }

  /** The field designer of the current version. */
  async edit({ org, bouncer, params, session, view }: HttpContext) {
    await bouncer.authorize('allows', 'templates.manage')
    const template = await OrgTemplates.findWithCurrent(org, params.id)
    if (!template) throw notFound()
    const version = template.currentVersion
    const assets = await BrandingAsset.query()
      .where('organization_id', org.id)
      .whereNull('deleted_at')
      .orderBy('created_at', 'asc')
    // Images the current fields draw stay listed even if removed from settings since.
    const used = version.fields
      .map((field) => field.config.asset_id)
      .filter((id): id is string => !!id && !assets.some((a) => a.id === id))
    if (used.length)
      assets.push(
        ...(await BrandingAsset.query().where('organization_id', org.id).whereIn('id', used))
      )
    // After a refused save the designer reopens with the unsaved fields and says what was wrong.
    const unsaved = session.flashMessages.get('designer_fields')
    const fields = typeof unsaved === 'string' ? JSON.parse(unsaved) : version.fields.map(fieldJson)
    const builder = router.builder()
    return view.render('pages/templates/templates/edit', {
      nav: 'templates',
      template,
      version,
      problems: session.flashMessages.get('designer_problems') ?? [],
      designer: designerData({
        template,
        version,
        fields,
        assets,
        urls: {
          background: builder
            .params({ id: template.id, number: version.versionNumber, file: 'background' })
            .make('templates.template_version_files.show'),
          preview: builder.params({ id: template.id }).make('templates.template_previews.store'),
          assetImage: (id) =>
            router.builder().params({ id }).make('templates.branding_asset_images.show'),
        },
      }),
    })
  }

  async update(ctx: HttpContext) {
    const { org, actor, bouncer, params, request, response, session } = ctx
    await bouncer.authorize('allows', 'templates.manage')
    const template = await OrgTemplates.find(org, params.id)
    if (!template) throw notFound()
    const input = await request.validateUsing(templateDetailsValidator)
    const result = await UpdateTemplateDetails.handle({
      org,
      templateId: template.id,
      name: input.name,
      taxonomy: {
        categoryId: input.category_id ?? null,
        subcategoryId: input.subcategory_id ?? null,
      },
      actorUserId: actor.user.id,
      origin: originOf(ctx),
    })
    const back = () => response.redirect().toRoute('templates.templates.show', { id: template.id })
    if (result.kind === 'not_found') throw notFound()
    if (result.kind !== 'updated') flashFieldErrors(ctx, [templateFormProblemField(result)])
    else session.flash('success', 'Template details saved.')
    return back()
  }
}
