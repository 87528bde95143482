import { isValidGstin } from '#core/services/gstin'
import { gstStateCodeOf } from '#core/services/gst_states'
import type Organization from '#orgs/models/organization'
import billing from '#config/billing'

/** The org's place of supply: its GSTIN's state when registered, else its address's state; null when unknown. */
export function placeOfSupplyOf(org: Pick<Organization, 'gstin' | 'state'>) {
  if (org.gstin && isValidGstin(org.gstin)) return org.gstin.slice(0, 2)
  return gstStateCodeOf(org.state)
}

/** Whether the org is supplied within the platform's own state: CGST + SGST, else IGST. */
export function suppliedWithinState(org: Pick<Organization, 'gstin' | 'state'>) {
  return placeOfSupplyOf(org) === billing.supplier.stateCode
}
