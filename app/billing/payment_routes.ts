import router from '@adonisjs/core/services/router'
import { middleware } from '#start/kernel'
import { withRawBody } from '#core/http/raw_body'
import { withoutBrowserState } from '#core/http/stateless'

const InvoicePaymentsController = () => import('#billing/controllers/invoice_payments_controller')
const TopUpsController = () => import('#billing/controllers/top_ups_controller')
const RazorpayCheckoutsController = () =>
  import('#billing/controllers/razorpay_checkouts_controller')
const RazorpayCallbacksController = () =>
  import('#billing/controllers/razorpay_callbacks_controller')
const RazorpayWebhooksController = () => import('#billing/controllers/razorpay_webhooks_controller')

/*
| Paying invoices through Razorpay. Inside the org: the order for an
| invoice's amount due or a top-up of the prepaid balance, then Checkout (Razorpay's, on our page, or the
| stand-in's fake one). Public: Checkout's return (its POST comes from
| Razorpay's site, without the session cookie or a CSRF token: declared
| without browser state, it hands its fields to the GET, which has the
| session for the flash message), and Razorpay's webhook, authenticated by
| its signature over the raw body.
*/
withoutBrowserState('billing.razorpay_callback.store', 'billing.razorpay_webhooks.store')
// Checkout's POST is only relayed to the GET, whose query is cleaned as every query is.
withRawBody('billing.razorpay_webhooks.store', 'billing.razorpay_callback.store')

router
  .group(() => {
    router
      .post('/billing/invoices/:id/payment', [InvoicePaymentsController, 'store'])
      .as('invoices.payment')
    router.post('/billing/top-ups', [TopUpsController, 'store']).as('top_ups.store')
    router
      .get('/billing/orders/:id/checkout', [RazorpayCheckoutsController, 'show'])
      .as('orders.checkout')
  })
  .as('billing')
  .use([middleware.auth(), middleware.org()])

router
  .group(() => {
    router
      .post('/billing/razorpay/callback', [RazorpayCallbacksController, 'store'])
      .as('razorpay_callback.store')
    router
      .get('/billing/razorpay/callback', [RazorpayCallbacksController, 'show'])
      .as('razorpay_callback.show')
    router
      .post('/webhooks/razorpay', [RazorpayWebhooksController, 'store'])
      .as('razorpay_webhooks.store')
  })
  .as('billing')
