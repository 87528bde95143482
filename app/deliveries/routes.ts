// Providers' webhooks (public, authenticated by signature) are in their own file.
import '#deliveries/webhook_routes'
import router from '@adonisjs/core/services/router'
import { middleware } from '#start/kernel'
import '#deliveries/public_routes'

const DeliveryIntegrationsController = () =>
  import('#deliveries/controllers/delivery_integrations_controller')
const DeliveryIntegrationDefaultsController = () =>
  import('#deliveries/controllers/delivery_integration_defaults_controller')
const DeliveryIntegrationActivationsController = () =>
  import('#deliveries/controllers/delivery_integration_activations_controller')
const DeliveryIntegrationTestMessagesController = () =>
  import('#deliveries/controllers/delivery_integration_test_messages_controller')
const DeliveryOpenTrackingController = () =>
  import('#deliveries/controllers/delivery_open_tracking_controller')

// Settings → Delivery, inside the current org.
router
  .group(() => {
    router
      .get('/settings/delivery', [DeliveryIntegrationsController, 'index'])
      .as('integrations.index')
    router
      .post('/settings/delivery/open-tracking', [DeliveryOpenTrackingController, 'store'])
      .as('open_tracking.store')
    router
      .delete('/settings/delivery/open-tracking', [DeliveryOpenTrackingController, 'destroy'])
      .as('open_tracking.destroy')
    router
      .get('/settings/delivery/new', [DeliveryIntegrationsController, 'create'])
      .as('integrations.create')
    router
      .post('/settings/delivery', [DeliveryIntegrationsController, 'store'])
      .as('integrations.store')
    router
      .get('/settings/delivery/:id/edit', [DeliveryIntegrationsController, 'edit'])
      .as('integrations.edit')
    router
      .put('/settings/delivery/:id', [DeliveryIntegrationsController, 'update'])
      .as('integrations.update')
    router
      .delete('/settings/delivery/:id', [DeliveryIntegrationsController, 'destroy'])
      .as('integrations.destroy')
    router
      .post('/settings/delivery/:id/default', [DeliveryIntegrationDefaultsController, 'store'])
      .as('integration_defaults.store')
    router
      .post('/settings/delivery/:id/activation', [
        DeliveryIntegrationActivationsController,
        'store',
      ])
      .as('integration_activations.store')
    router
      .delete('/settings/delivery/:id/activation', [
        DeliveryIntegrationActivationsController,
        'destroy',
      ])
      .as('integration_activations.destroy')
    router
      .get('/settings/delivery/:id/test-message', [
        DeliveryIntegrationTestMessagesController,
        'show',
      ])
      .as('integration_test_messages.show')
    router
      .post('/settings/delivery/:id/test-message', [
        DeliveryIntegrationTestMessagesController,
        'store',
      ])
      .as('integration_test_messages.store')
  })
  .as('deliveries')
  .use([middleware.auth(), middleware.org()])

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

// ---- Suppressions (Settings → Delivery → Suppressions), resuming a paused integration ----
const DeliverySuppressionsController = () =>
  import('#deliveries/controllers/delivery_suppressions_controller')
const DeliveryIntegrationResumptionsController = () =>
  import('#deliveries/controllers/delivery_integration_resumptions_controller')

router
  .group(() => {
    router
      .get('/settings/delivery/suppressions', [DeliverySuppressionsController, 'index'])
      .as('suppressions.index')
    router
      .post('/settings/delivery/suppressions', [DeliverySuppressionsController, 'store'])
      .as('suppressions.store')
    router
      .delete('/settings/delivery/suppressions/:id', [DeliverySuppressionsController, 'destroy'])
      .as('suppressions.destroy')
    router
      .post('/settings/delivery/:id/resumption', [
        DeliveryIntegrationResumptionsController,
        'store',
      ])
      .as('integration_resumptions.store')
  })
  .as('deliveries')
  .use([middleware.auth(), middleware.org()])

// ---- Sending: a job's Deliver page, its panel island, failures CSV, timelines, month figures ----
const JobDeliveriesController = () => import('#deliveries/controllers/job_deliveries_controller')
const JobDeliveryPanelsController = () =>
  import('#deliveries/controllers/job_delivery_panels_controller')
const JobDeliveryFailuresController = () =>
  import('#deliveries/controllers/job_delivery_failures_controller')
const DeliveryRecipientsController = () =>
  import('#deliveries/controllers/delivery_recipients_controller')
const CertificateDeliveriesController = () =>
  import('#deliveries/controllers/certificate_deliveries_controller')
const DeliveryFiguresController = () =>
  import('#deliveries/controllers/delivery_figures_controller')
const JobDeliveryEstimatesController = () =>
  import('#deliveries/controllers/job_delivery_estimates_controller')
const JobDeliveryResendsController = () =>
  import('#deliveries/controllers/job_delivery_resends_controller')
const DeliveryMessageResendsController = () =>
  import('#deliveries/controllers/delivery_message_resends_controller')
const DeliveryCancellationsController = () =>
  import('#deliveries/controllers/delivery_cancellations_controller')
const DeliveryMessagesController = () =>
  import('#deliveries/controllers/delivery_messages_controller')

router
  .group(() => {
    router
      .get('/generation-jobs/:id/deliveries', [JobDeliveriesController, 'show'])
      .as('job_deliveries.show')
    router
      .post('/generation-jobs/:id/deliveries', [JobDeliveriesController, 'store'])
      .as('job_deliveries.store')
    router
      .get('/generation-jobs/:id/deliveries/estimate', [JobDeliveryEstimatesController, 'show'])
      .as('job_delivery_estimates.show')
    router
      .post('/generation-jobs/:id/deliveries/resends', [JobDeliveryResendsController, 'store'])
      .as('job_delivery_resends.store')
    router
      .post('/delivery-messages/:id/resend', [DeliveryMessageResendsController, 'store'])
      .as('delivery_message_resends.store')
    router
      .post('/deliveries/:id/cancellation', [DeliveryCancellationsController, 'store'])
      .as('delivery_cancellations.store')
    router
      .get('/deliveries/:id/messages', [DeliveryMessagesController, 'index'])
      .as('delivery_messages.index')
    router
      .post('/certificates/:id/delivery', [CertificateDeliveriesController, 'store'])
      .as('certificate_deliveries.store')
    router
      .get('/generation-jobs/:id/deliveries/panel', [JobDeliveryPanelsController, 'show'])
      .as('job_delivery_panels.show')
    router
      .get('/generation-jobs/:id/deliveries/failures.csv', [JobDeliveryFailuresController, 'show'])
      .as('job_delivery_failures.show')
    router
      .get('/generation-jobs/:job_id/recipients/:id/deliveries', [
        DeliveryRecipientsController,
        'show',
      ])
      .as('delivery_recipients.show')
    router
      .get('/certificates/:id/deliveries', [CertificateDeliveriesController, 'show'])
      .as('certificate_deliveries.show')
    router.get('/deliveries/this-month', [DeliveryFiguresController, 'show']).as('figures.show')
  })
  .as('deliveries')
  .use([middleware.auth(), middleware.org()])
