/*
| Billing's hooks into modules that may not import it: the checks issuing
| asks (#certificates/services/issuing_checks): an account past due beyond
| the grace period, and the spend cap; and the pages' CSP, which lets forms
| leave for the Razorpay stand-in's fake Checkout while it is configured.
*/
import '#billing/services/past_due'
import '#billing/services/spend_cap'
import razorpay from '#config/razorpay'
import { addFormActionSource } from '#core/http/csp_sources'

addFormActionSource(() =>
  razorpay.checkout === 'razorpay' ? null : new URL(razorpay.checkout).origin
)
