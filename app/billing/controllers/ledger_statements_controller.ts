import { Readable } from 'node:stream'
import type { HttpContext } from '@adonisjs/core/http'
import { DateTime } from 'luxon'
import { contentDisposition, fileSlug } from '#core/services/downloads'
import { BILLING_ZONE } from '#billing/services/billing_periods'
import { ledgerStatement } from '#billing/services/ledger_statement'

/** `GET /billing/ledger.csv`: the current org's whole ledger as a statement (billing.view). */
export default class LedgerStatementsController {
  async show({ org, bouncer, response }: HttpContext) {
    await bouncer.authorize('allows', 'billing.view')
    const today = DateTime.utc().setZone(BILLING_ZONE).toISODate()
    const name = `${fileSlug(org.slug, 'org')}-account-statement-${today}.csv`
    response.header('Content-Type', 'text/csv; charset=utf-8')
    response.header('Content-Disposition', contentDisposition('attachment', name))
    response.header('X-Content-Type-Options', 'nosniff')
    response.header('Cache-Control', 'no-store')
    return response.stream(Readable.from(ledgerStatement(org)))
  }
}
