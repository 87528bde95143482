import type { HttpContext } from '@adonisjs/core/http'
import { paginationOf } from '#core/http/pagination'
import { ledgerPageJson } from '#api/controllers/billing_json'
import OrgLedger from '#billing/queries/org_ledger'

/** `GET /api/v1/billing/ledger`: the key's org's ledger, newest first, each entry with the balance after it. */
export default class BillingLedgerController {
  async index({ apiOrg, request }: HttpContext) {
    const pagination = await paginationOf(request.qs(), { perPage: 25 })
    return ledgerPageJson(await OrgLedger.page(apiOrg, pagination))
  }
}
