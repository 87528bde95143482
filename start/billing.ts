/*
| Billing's hooks into modules that may not import it: the checks issuing
| asks (#certificates/services/issuing_checks): an account past due beyond
| the grace period, and the spend cap.
*/
import '#billing/services/past_due'
import '#billing/services/spend_cap'
