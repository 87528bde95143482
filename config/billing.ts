import env from '#start/env'
import { gstinProblem } from '#core/services/gstin'

/**
 * The platform as the supplier on its tax invoices (issue 16), and the
 * terms it bills on. The supplier's state decides the tax split: an org
 * whose place of supply is the same state pays CGST + SGST, any other IGST
 * (#billing/services/gst): the first two digits of its GSTIN.
 *
 * The defaults describe a made-up supplier whose GSTIN passes the checksum,
 * so a development database prints complete invoices; a deployment sets its own.
 */
const gstin = env.get('BILLING_SUPPLIER_GSTIN', '29AAKCA4120M1ZI').trim().toUpperCase()
if (gstinProblem(gstin)) {
  throw new Error(
    `BILLING_SUPPLIER_GSTIN “${gstin}” is not a valid GSTIN (${gstinProblem(gstin)}): it is printed on every tax invoice`
  )
}
const sac = env.get('BILLING_SAC', '998314')
if (!/^\d{6}$/.test(sac)) throw new Error(`BILLING_SAC is six digits, not “${sac}”`)

const billing = {
  supplier: {
    name: env.get('BILLING_SUPPLIER_NAME', 'Authentix Technologies Private Limited'),
    /** Printed one line per `|`-separated part. */
    addressLines: env
      .get('BILLING_SUPPLIER_ADDRESS', '4th Floor, 80 Feet Road, Koramangala|Bengaluru 560034')
      .split('|')
      .map((line) => line.trim())
      .filter(Boolean),
    gstin,
    /** GST state code of the supplier's registration (first two digits of its GSTIN). */
    stateCode: gstin.slice(0, 2),
    email: env.get('BILLING_SUPPLIER_EMAIL', 'billing@authentix.in'),
  },
  /** Services Accounting Code on every line: 998314, IT design and development services. */
  sac,
  /** An invoice is due this many days after its issue date. */
  paymentTermsDays: env.get('BILLING_PAYMENT_TERMS_DAYS', 7),
  /** Past due this long, an account is suspended (no new certificates; nothing issued is touched). */
  graceDays: env.get('BILLING_GRACE_DAYS', 7),
  /** Orgs a billing run closes per transaction: fewer, shorter transactions; more, fewer statements. */
  runBatch: env.get('BILLING_RUN_BATCH', 250),
  /** A top-up of the prepaid balance, with GST: ₹500 to ₹5,00,000 (whole rupees). */
  topUpMinPaise: 50_000,
  topUpMaxPaise: 50_000_000,
}

export default billing
