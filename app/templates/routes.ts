import router from '@adonisjs/core/services/router'
import { middleware } from '#start/kernel'
import { uploadsPerIpThrottle, uploadsPerOrgThrottle } from '#start/limiter'

/** Every upload is parsed in a child process: throttled per org and per address. */
const uploadThrottles = [uploadsPerIpThrottle, uploadsPerOrgThrottle]

const TemplatesController = () => import('#templates/controllers/templates_controller')
const TemplateFieldsController = () => import('#templates/controllers/template_fields_controller')
const TemplateSourcesController = () => import('#templates/controllers/template_sources_controller')
const TemplateActivationsController = () =>
  import('#templates/controllers/template_activations_controller')
const TemplateArchivesController = () =>
  import('#templates/controllers/template_archives_controller')
const TemplatePreviewsController = () =>
  import('#templates/controllers/template_previews_controller')
const TemplateVersionFilesController = () =>
  import('#templates/controllers/template_version_files_controller')
const BrandingAssetsController = () => import('#templates/controllers/branding_assets_controller')
const BrandingAssetImagesController = () =>
  import('#templates/controllers/branding_asset_images_controller')

router
  .group(() => {
    router.get('/templates', [TemplatesController, 'index']).as('templates.index')
    router.get('/templates/new', [TemplatesController, 'create']).as('templates.create')
    router
      .post('/templates', [TemplatesController, 'store'])
      .as('templates.store')
      .use(uploadThrottles)
    router.get('/templates/:id', [TemplatesController, 'show']).as('templates.show')
    router.put('/templates/:id', [TemplatesController, 'update']).as('templates.update')
    router.get('/templates/:id/edit', [TemplatesController, 'edit']).as('templates.edit')

    router
      .put('/templates/:id/fields', [TemplateFieldsController, 'update'])
      .as('template_fields.update')
    router
      .put('/templates/:id/source', [TemplateSourcesController, 'update'])
      .as('template_sources.update')
      .use(uploadThrottles)
    router
      .post('/templates/:id/activation', [TemplateActivationsController, 'store'])
      .as('template_activations.store')
    router
      .delete('/templates/:id/activation', [TemplateActivationsController, 'destroy'])
      .as('template_activations.destroy')
    router
      .post('/templates/:id/archive', [TemplateArchivesController, 'store'])
      .as('template_archives.store')
    router
      .delete('/templates/:id/archive', [TemplateArchivesController, 'destroy'])
      .as('template_archives.destroy')
    router
      .post('/templates/:id/previews', [TemplatePreviewsController, 'store'])
      .as('template_previews.store')
    router
      .get('/templates/:id/versions/:number/files/:file', [TemplateVersionFilesController, 'show'])
      .as('template_version_files.show')

    router
      .get('/settings/branding', [BrandingAssetsController, 'index'])
      .as('branding_assets.index')
    router
      .post('/settings/branding', [BrandingAssetsController, 'store'])
      .as('branding_assets.store')
      .use(uploadThrottles)
    router
      .delete('/settings/branding/:id', [BrandingAssetsController, 'destroy'])
      .as('branding_assets.destroy')
    router
      .get('/settings/branding/:id/image', [BrandingAssetImagesController, 'show'])
      .as('branding_asset_images.show')
  })
  .as('templates')
  .use([middleware.auth(), middleware.org()])
