/*
| Billing's hooks into modules that may not import it: its spend cap is
| one of the checks issuing asks (#certificates/services/issuing_checks).
*/
import '#billing/services/spend_cap'
