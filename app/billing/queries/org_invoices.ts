import type Organization from '#orgs/models/organization'
import { recordId } from '#orgs/queries/record_id'
import BillingInvoice, { type InvoiceKind } from '#billing/models/billing_invoice'

export interface InvoiceFilters {
  kind?: InvoiceKind
  page?: number
  perPage?: number
}

/**
 * An org's invoices and credit notes, always through the org: another
 * org's id finds nothing (a 404 where it is asked for).
 */
export default class OrgInvoices {
  static find(org: Pick<Organization, 'id'>, id: unknown) {
    return BillingInvoice.query()
      .where('organization_id', org.id)
      .where('id', recordId(id))
      .preload('items', (items) => items.orderBy('position'))
      .first()
  }

  /** Newest first (issue time, then number). */
  static list(org: Pick<Organization, 'id'>, filters: InvoiceFilters = {}) {
    const query = BillingInvoice.query().where('organization_id', org.id)
    if (filters.kind) query.where('kind', filters.kind)
    return query
      .orderBy('issued_at', 'desc')
      .orderBy('invoice_number', 'desc')
      .paginate(Math.max(1, filters.page ?? 1), Math.min(100, Math.max(1, filters.perPage ?? 25)))
  }

  /** What the org owes on issued invoices, and the oldest of them still unpaid (past due or not). */
  static async outstanding(org: Pick<Organization, 'id'>) {
    const unpaid = await BillingInvoice.query()
      .where('organization_id', org.id)
      .where('kind', 'invoice')
      .whereIn('status', ['issued', 'partially_paid'])
      .where('amount_due_paise', '>', 0)
      .orderBy('issue_date', 'asc')
    return {
      duePaise: unpaid.reduce((sum, invoice) => sum + invoice.amountDuePaise, 0),
      invoices: unpaid,
    }
  }
}
