import router from '@adonisjs/core/services/router'
import { middleware } from '#start/kernel'

// ---- Delivery templates (Settings → Delivery → Message templates) ----
const DeliveryTemplatesController = () =>
  import('#deliveries/controllers/delivery_templates_controller')
const DeliveryTemplateDefaultsController = () =>
  import('#deliveries/controllers/delivery_template_defaults_controller')
const DeliveryTemplatePreviewsController = () =>
  import('#deliveries/controllers/delivery_template_previews_controller')

router
  .group(() => {
    router
      .get('/settings/delivery/templates', [DeliveryTemplatesController, 'index'])
      .as('delivery_templates.index')
    router
      .get('/settings/delivery/templates/new', [DeliveryTemplatesController, 'create'])
      .as('delivery_templates.create')
    router
      .post('/settings/delivery/templates', [DeliveryTemplatesController, 'store'])
      .as('delivery_templates.store')
    router
      .post('/settings/delivery/templates/preview', [DeliveryTemplatePreviewsController, 'store'])
      .as('delivery_template_previews.store')
    router
      .get('/settings/delivery/templates/:id/edit', [DeliveryTemplatesController, 'edit'])
      .as('delivery_templates.edit')
    router
      .put('/settings/delivery/templates/:id', [DeliveryTemplatesController, 'update'])
      .as('delivery_templates.update')
    router
      .delete('/settings/delivery/templates/:id', [DeliveryTemplatesController, 'destroy'])
      .as('delivery_templates.destroy')
    router
      .post('/settings/delivery/templates/:id/default', [
        DeliveryTemplateDefaultsController,
        'store',
      ])
      .as('delivery_template_defaults.store')
  })
  .as('deliveries')
  .use([middleware.auth(), middleware.org()])
// ---- end of delivery templates ----
