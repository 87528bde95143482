import router from '@adonisjs/core/services/router'
import { withoutBrowserState } from '#core/http/stateless'

const DeliveryLinksController = () => import('#deliveries/controllers/delivery_links_controller')
const DeliveryOpensController = () => import('#deliveries/controllers/delivery_opens_controller')

/*
| Public, no login: the links a delivered message carries, signed and (but
| for unsubscribe) expiring (#deliveries/services/delivery_links). No
| session or CSRF: the token is the permission, and a mail client's
| one-click unsubscribe POST carries no CSRF token. An email's tracking
| image (#deliveries/services/open_tracking) is one of them: its token is
| derived from the message id and never expires.
*/
withoutBrowserState('deliveries.links.')

router
  .group(() => {
    router.get('/deliveries/pdf/:token', [DeliveryLinksController, 'pdf']).as('pdf')
    router.get('/deliveries/r/:token', [DeliveryLinksController, 'recipient']).as('recipient')
    router.get('/deliveries/o/:token', [DeliveryOpensController, 'show']).as('open')
    router
      .get('/deliveries/unsubscribe/:token', [DeliveryLinksController, 'confirmUnsubscribe'])
      .as('unsubscribe.confirm')
    router
      .post('/deliveries/unsubscribe/:token', [DeliveryLinksController, 'unsubscribe'])
      .as('unsubscribe')
  })
  .as('deliveries.links')
