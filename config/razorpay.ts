import env from '#start/env'

/**
 * Razorpay, through which orgs pay their invoices (issue 16). Without the
 * key id and secret, payments are not configured: the billing page says so
 * and nothing else changes (invoices are still issued and can be paid once
 * keys are set). `RAZORPAY_BASE_URL` points the client at Razorpay's API or
 * at the local stand-in (tests, the demo).
 */
const keyId = env.get('RAZORPAY_KEY_ID', '')
const keySecret = env.get('RAZORPAY_KEY_SECRET', '')

const razorpay = {
  keyId,
  keySecret,
  webhookSecret: env.get('RAZORPAY_WEBHOOK_SECRET', ''),
  baseUrl: env.get('RAZORPAY_BASE_URL', 'https://api.razorpay.com'),
  timeoutMs: env.get('RAZORPAY_TIMEOUT_MS', 15_000),
  configured: Boolean(keyId && keySecret),
}

export default razorpay
