import env from '#start/env'

/**
 * The platform as the supplier on its tax invoices (issue 16). Its state
 * decides the tax split: an org whose place of supply is the same state pays
 * CGST + SGST, any other IGST (#billing/services/gst).
 */
const billing = {
  supplier: {
    /** GST state code of the supplier's registration (first two digits of its GSTIN). */
    stateCode: env.get('BILLING_SUPPLIER_STATE_CODE', '29'),
  },
}

export default billing
