import type { HttpContext } from '@adonisjs/core/http'
import { foundOr404 } from '#core/http/not_found'
import OrgInvoices from '#billing/queries/org_invoices'
import { sendInvoicePdf } from '#billing/services/invoice_downloads'

/** `GET /api/v1/invoices/:id/pdf`: the tax invoice (or credit note) as issued. */
export default class InvoicePdfsController {
  async show(ctx: HttpContext) {
    const invoice = foundOr404(await OrgInvoices.find(ctx.apiOrg, ctx.params.id))
    return sendInvoicePdf(ctx, invoice)
  }
}
