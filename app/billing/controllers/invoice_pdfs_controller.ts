import type { HttpContext } from '@adonisjs/core/http'
import { foundOr404 } from '#core/http/not_found'
import OrgInvoices from '#billing/queries/org_invoices'
import { sendInvoicePdf } from '#billing/services/invoice_downloads'

/** `GET /billing/invoices/:id/pdf`: an invoice or credit note of the current org, as issued. */
export default class InvoicePdfsController {
  async show(ctx: HttpContext) {
    await ctx.bouncer.authorize('allows', 'billing.view')
    const invoice = foundOr404(await OrgInvoices.find(ctx.org, ctx.params.id))
    return sendInvoicePdf(ctx, invoice)
  }
}
