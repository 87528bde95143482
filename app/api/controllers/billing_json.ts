import router from '@adonisjs/core/services/router'
import { appUrl } from '#config/app'
import type BillingInvoice from '#billing/models/billing_invoice'
import type { BillingOverview } from '#billing/queries/billing_overview'
import type { LedgerEntry, LedgerPage } from '#billing/queries/org_ledger'

const iso = (value: { toUTC(): { toISO(): string | null } } | null) =>
  value ? value.toUTC().toISO() : null

/** Basis points as the contract's percent: 1,800 → 18, 1,250 → 12.5. */
const percent = (basisPoints: number) => basisPoints / 100

/** `GET /api/v1/billing` (API.md "Billing"), plus what the billing page shows besides. */
export function billingJson(overview: BillingOverview) {
  return {
    status: overview.status,
    trial_ends_at: iso(overview.trialEndsAt),
    trial_days_left: overview.trialDaysLeft,
    trial_certificates_left: overview.trialCertificatesLeft,
    plan: {
      code: overview.plan.code,
      platform_fee_paise: overview.plan.platformFeePaise,
      platform_fee_waived: overview.plan.platformFeeWaived,
      certificate_fee_paise: overview.plan.certificateFeePaise,
      gst_rate_percent: percent(overview.plan.gstRateBasisPoints),
      free_reissue_days: overview.plan.freeReissueDays,
    },
    current_period: {
      start: overview.currentPeriod.start,
      end: overview.currentPeriod.end,
      certificates: overview.currentPeriod.certificates,
      free_certificates: overview.currentPeriod.freeCertificates,
      reissues: overview.currentPeriod.reissues,
      free_reissues: overview.currentPeriod.freeReissues,
      estimated_subtotal_paise: overview.currentPeriod.estimatedTaxablePaise,
      estimated_tax_paise: overview.currentPeriod.estimatedTaxPaise,
      estimated_total_paise: overview.currentPeriod.estimatedTotalPaise,
    },
    outstanding_paise: overview.outstandingPaise,
    credit_paise: overview.creditPaise,
    prepaid_balance_paise: overview.prepaidPaise,
    balance_paise: overview.balancePaise,
    currency: overview.currency,
  }
}

/** An invoice or credit note in a list (`GET /api/v1/invoices`). */
export function invoiceJson(invoice: BillingInvoice) {
  return {
    id: invoice.id,
    number: invoice.invoiceNumber,
    kind: invoice.kind,
    period_start: invoice.periodStart,
    period_end: invoice.periodEnd,
    status: invoice.status,
    issue_date: invoice.issueDate,
    due_date: invoice.dueDate,
    original_invoice_id: invoice.originalInvoiceId,
    subtotal_paise: invoice.subtotalPaise,
    cgst_paise: invoice.cgstPaise,
    sgst_paise: invoice.sgstPaise,
    igst_paise: invoice.igstPaise,
    round_off_paise: invoice.roundOffPaise,
    total_paise: invoice.totalPaise,
    amount_paid_paise: invoice.amountPaidPaise,
    amount_due_paise: invoice.amountDuePaise,
    currency: invoice.currency,
    place_of_supply: invoice.placeOfSupply,
    issued_at: iso(invoice.issuedAt),
    pdf_url: `${appUrl}${router.builder().params({ id: invoice.id }).make('api.invoice_pdfs.show')}`,
  }
}

/** One invoice with its lines and parties (`GET /api/v1/invoices/:id`). */
export function invoiceDetailJson(invoice: BillingInvoice) {
  return {
    ...invoiceJson(invoice),
    sac: invoice.sac,
    amount_in_words: invoice.amountInWords,
    supplier: invoice.supplier,
    recipient: invoice.recipient,
    lines: invoice.items.map((item) => ({
      position: item.position,
      type: item.lineItemType,
      description: item.description,
      quantity: item.quantity,
      unit_price_paise: item.unitPricePaise,
      amount_paise: item.amountPaise,
      gst_rate_percent: percent(item.gstRateBasisPoints),
      cgst_paise: item.cgstPaise,
      sgst_paise: item.sgstPaise,
      igst_paise: item.igstPaise,
      total_paise: item.totalPaise,
    })),
  }
}

/** One entry of the ledger (`GET /api/v1/billing/ledger`), its balance after it. */
export function ledgerEntryJson(entry: LedgerEntry) {
  return {
    id: entry.id,
    at: iso(entry.at),
    date: entry.day,
    kind: entry.kind,
    description: entry.description,
    reference: entry.reference,
    amount_paise: entry.amountPaise,
    moves_balance: entry.movesBalance,
    debit_paise: entry.debitPaise,
    credit_paise: entry.creditPaise,
    balance_paise: entry.balancePaise,
    notes: entry.notes,
    document_id: entry.documentId,
    pdf_url: entry.documentId
      ? `${appUrl}${router.builder().params({ id: entry.documentId }).make('api.invoice_pdfs.show')}`
      : null,
  }
}

/** A page of the ledger as the contract lists: newest first, plus the balance now. */
export function ledgerPageJson(ledger: LedgerPage) {
  return {
    data: ledger.entries.map(ledgerEntryJson),
    meta: {
      total: ledger.total,
      page: ledger.page,
      per_page: ledger.perPage,
      balance_paise: ledger.closingBalancePaise,
      currency: 'INR',
    },
  }
}
