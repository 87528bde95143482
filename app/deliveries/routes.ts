import router from '@adonisjs/core/services/router'
import { middleware } from '#start/kernel'

const DeliveryIntegrationsController = () =>
  import('#deliveries/controllers/delivery_integrations_controller')
const DeliveryIntegrationDefaultsController = () =>
  import('#deliveries/controllers/delivery_integration_defaults_controller')
const DeliveryIntegrationActivationsController = () =>
  import('#deliveries/controllers/delivery_integration_activations_controller')
const DeliveryIntegrationTestMessagesController = () =>
  import('#deliveries/controllers/delivery_integration_test_messages_controller')

// Settings → Delivery, inside the current org.
router
  .group(() => {
    router
      .get('/settings/delivery', [DeliveryIntegrationsController, 'index'])
      .as('integrations.index')
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
