/*
| Each module owns its routes; this file only loads them.
*/
import '#core/routes'
import '#identity/routes'
import '#orgs/routes'
import '#templates/routes'
import '#imports/routes'
import '#certificates/routes'
import '#deliveries/routes'
import '#billing/routes'
import '#billing/payment_routes'
import '#verify/routes'
import '#api/routes'
