import db from '@adonisjs/lucid/services/db'
import { DateTime } from 'luxon'
import type Organization from '#orgs/models/organization'
import { issuingAllowance } from '#certificates/queries/issuing_allowance'
import billing from '#config/billing'
import { BILLING_ZONE, billingMonthOf } from '#billing/services/billing_periods'
import { invoiceTotals } from '#billing/services/gst'
import { periodCharges } from '#billing/queries/period_charges'
import { pricesInForce } from '#billing/queries/prices_in_force'
import { placeOfSupplyOf } from '#billing/services/place_of_supply'
import OrgInvoices from '#billing/queries/org_invoices'
import OrgLedger from '#billing/queries/org_ledger'
import { prepaidBalancePaise } from '#billing/services/advances'

/**
 * An org's account at a glance (the billing page, `GET /api/v1/billing`):
 * its status and trial, the prices in force today, this month so far
 * (certificates, what the trial and free reissues covered, and the bill it
 * would make if it ended now: this month's platform fee and the usage so
 * far, with GST), what is due on its invoices, the staff credit not yet
 * used (taken off the next invoices before tax), and its balance: the
 * ledger's closing balance (`queries/org_ledger.ts`), money in less money
 * owed, negative when it owes.
 */
export interface BillingOverview {
  status: Organization['billingStatus']
  trialEndsAt: DateTime | null
  trialDaysLeft: number | null
  trialCertificatesLeft: number
  trialFreeCertificates: number
  plan: {
    code: string
    platformFeePaise: number
    platformFeeWaived: boolean
    certificateFeePaise: number
    gstRateBasisPoints: number
    freeReissueDays: number
    overridden: boolean
  }
  currentPeriod: {
    start: string
    end: string
    certificates: number
    freeCertificates: number
    reissues: number
    freeReissues: number
    lines: { description: string; quantity: number; unitPaise: number }[]
    estimatedTaxablePaise: number
    estimatedTaxPaise: number
    estimatedTotalPaise: number
  }
  outstandingPaise: number
  creditPaise: number
  /** Top-ups not yet spent on invoices nor refunded (money on its way back included). */
  prepaidPaise: number
  balancePaise: number
  currency: string
  /** How the org's invoices will be taxed: CGST + SGST, or IGST, and where to. */
  placeOfSupply: string | null
  intraState: boolean
}

export async function billingOverview(
  org: Organization,
  now: DateTime = DateTime.utc()
): Promise<BillingOverview> {
  const month = billingMonthOf(now)
  const today = now.setZone(BILLING_ZONE).toISODate()!
  const [prices, allowance, charges, outstanding, credits, balancePaise, prepaidPaise] =
    await Promise.all([
      pricesInForce(org, today),
      issuingAllowance(org, 0, { now }),
      periodCharges(org, month, db.connection()),
      OrgInvoices.outstanding(org),
      db
        .from('billing_credits_debits')
        .where('organization_id', org.id)
        .where('kind', 'credit')
        .sum('remaining_paise as credit')
        .first(),
      OrgLedger.balance(org),
      prepaidBalancePaise(db.connection(), org.id),
    ])
  const placeOfSupply = placeOfSupplyOf(org)
  const intraState = placeOfSupply === billing.supplier.stateCode
  const estimate = charges.lines.length
    ? invoiceTotals(charges.lines, {
        rateBasisPoints: prices.gstRateBasisPoints,
        intraState,
        roundOff: true,
      })
    : null
  const creditPaise = Number(credits?.credit ?? 0)
  const trialDaysLeft =
    org.billingStatus === 'trialing' && org.trialEndsAt
      ? Math.max(0, Math.ceil(org.trialEndsAt.diff(now, 'days').days))
      : null
  return {
    status: org.billingStatus,
    trialEndsAt: org.trialEndsAt,
    trialDaysLeft,
    trialCertificatesLeft: allowance.trialCertificatesLeft,
    trialFreeCertificates: org.trialFreeCertificates,
    plan: {
      code: prices.priceBookKey,
      platformFeePaise: prices.platformFeePaise,
      platformFeeWaived: prices.platformFeeWaived,
      certificateFeePaise: prices.certificateFeePaise,
      gstRateBasisPoints: prices.gstRateBasisPoints,
      freeReissueDays: prices.freeReissueDays,
      overridden: prices.overrideId !== null,
    },
    currentPeriod: {
      start: month.start,
      end: month.end,
      certificates: charges.certificates.issued,
      freeCertificates: charges.certificates.freeInTrial,
      reissues: charges.certificates.reissued,
      freeReissues: charges.certificates.freeReissues,
      lines: charges.lines.map((line) => ({
        description: line.description,
        quantity: line.quantity,
        unitPaise: line.unitPaise,
      })),
      estimatedTaxablePaise: estimate?.taxablePaise ?? 0,
      estimatedTaxPaise: estimate?.taxPaise ?? 0,
      estimatedTotalPaise: estimate?.totalPaise ?? 0,
    },
    outstandingPaise: outstanding.duePaise,
    creditPaise,
    prepaidPaise,
    balancePaise,
    currency: 'INR',
    placeOfSupply,
    intraState,
  }
}
