import router from '@adonisjs/core/services/router'
import { withRawBody } from '#core/http/raw_body'
import { withoutBrowserState } from '#core/http/stateless'

const WhatsappWebhooksController = () =>
  import('#deliveries/controllers/whatsapp_webhooks_controller')
const EmailWebhooksController = () => import('#deliveries/controllers/email_webhooks_controller')

/*
| Providers' webhooks: public, no session or CSRF, authenticated by the
| provider's signature over the raw body (`withRawBody`: the text input
| middleware leaves it alone) with the integration's secret; the WhatsApp
| GET is Meta's subscription handshake (the integration's verify token);
| the email providers' events (Resend, Mailgun, SendGrid; Brevo's bearer
| token) are checked with the integration's webhook signing key.
*/
withoutBrowserState(
  'deliveries.whatsapp_webhooks.show',
  'deliveries.whatsapp_webhooks.store',
  'deliveries.email_webhooks.store'
)
withRawBody('deliveries.whatsapp_webhooks.store', 'deliveries.email_webhooks.store')

router
  .group(() => {
    router
      .get('/webhooks/whatsapp/:integration_id', [WhatsappWebhooksController, 'show'])
      .as('whatsapp_webhooks.show')
    router
      .post('/webhooks/whatsapp/:integration_id', [WhatsappWebhooksController, 'store'])
      .as('whatsapp_webhooks.store')
    router
      .post('/webhooks/email/:integration_id', [EmailWebhooksController, 'store'])
      .as('email_webhooks.store')
  })
  .as('deliveries')
