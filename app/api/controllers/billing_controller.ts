import type { HttpContext } from '@adonisjs/core/http'
import { billingOverview } from '#billing/queries/billing_overview'
import { billingJson } from '#api/controllers/billing_json'

/** `GET /api/v1/billing`: the key's org's account: status, trial, prices, this month so far, balance. */
export default class BillingController {
  async show({ apiOrg }: HttpContext) {
    return billingJson(await billingOverview(apiOrg))
  }
}
