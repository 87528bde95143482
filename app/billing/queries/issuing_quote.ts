import { DateTime } from 'luxon'
import type Organization from '#orgs/models/organization'
import type { IssuingAllowance, IssuingRefusal } from '#certificates/queries/issuing_allowance'
import { lineTax } from '#billing/services/gst'
import { BILLING_ZONE } from '#billing/services/billing_periods'
import { pricesInForce } from '#billing/queries/prices_in_force'
import { suppliedWithinState } from '#billing/services/place_of_supply'

/**
 * What issuing some certificates will cost, before anything is issued (the
 * generation preflight, the API's `dry_run`): the trial's free
 * certificates first, the rest at the certificate fee in force today, with
 * GST as the invoice will charge it (CGST + SGST within the supplier's
 * state, else IGST; per line, half-up), and whether issuing is refused.
 */
export interface IssuingQuote {
  certificates: number
  freeCertificates: number
  billableCertificates: number
  trialCertificatesLeft: number
  certificateFeePaise: number
  amountPaise: number
  taxPaise: number
  totalPaise: number
  currency: string
  blocked: IssuingRefusal | null
}

export async function issuingQuote(
  org: Organization,
  allowance: IssuingAllowance,
  now: DateTime = DateTime.utc()
): Promise<IssuingQuote> {
  const prices = await pricesInForce(org, now.setZone(BILLING_ZONE).toISODate()!)
  const amountPaise = allowance.billableCertificates * prices.certificateFeePaise
  const tax = lineTax(amountPaise, prices.gstRateBasisPoints, suppliedWithinState(org))
  const taxPaise = tax.cgstPaise + tax.sgstPaise + tax.igstPaise
  return {
    certificates: allowance.certificates,
    freeCertificates: allowance.freeCertificates,
    billableCertificates: allowance.billableCertificates,
    trialCertificatesLeft: allowance.trialCertificatesLeft,
    certificateFeePaise: prices.certificateFeePaise,
    amountPaise,
    taxPaise,
    totalPaise: amountPaise + taxPaise,
    currency: prices.currency,
    blocked: allowance.refusal,
  }
}
