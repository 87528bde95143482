import type { HttpContext } from '@adonisjs/core/http'
import { paginationOf } from '#core/http/pagination'
import { foundOr404 } from '#core/http/not_found'
import { fail, pageJson } from '#api/controllers/api_responses'
import { invoiceDetailJson, invoiceJson } from '#api/controllers/billing_json'
import OrgInvoices from '#billing/queries/org_invoices'

const KINDS = ['invoice', 'credit_note', 'receipt_voucher'] as const

/** `/api/v1/invoices`: the key's org's tax invoices and credit notes, newest first. */
export default class InvoicesController {
  async index({ apiOrg, request, response }: HttpContext) {
    const pagination = await paginationOf(request.qs(), { perPage: 25 })
    const kind = request.qs().kind
    if (kind !== undefined && kind !== '' && !KINDS.includes(kind)) {
      return fail(response, 422, [
        {
          code: 'E_VALIDATION_ERROR',
          message: `kind is “invoice”, “credit_note” or “receipt_voucher”, not “${String(kind)}”`,
          field: 'kind',
        },
      ])
    }
    const page = await OrgInvoices.list(apiOrg, {
      kind: kind || undefined,
      page: pagination.page,
      perPage: pagination.perPage,
    })
    return pageJson(page, invoiceJson)
  }

  async show({ apiOrg, params }: HttpContext) {
    return invoiceDetailJson(foundOr404(await OrgInvoices.find(apiOrg, params.id)))
  }
}
