import env from '#start/env'

/**
 * Razorpay, through which orgs pay their invoices (issue 16). Without the
 * key id and secret, payments are not configured: the billing page says so
 * and nothing else changes (invoices are still issued and can be paid once
 * keys are set). `RAZORPAY_BASE_URL` points the client at Razorpay's API or
 * at the local stand-in (tests, the demo).
 *
 * `RAZORPAY_CHECKOUT` says where a payer is sent to pay: `razorpay` (the
 * default), Razorpay's own Checkout (checkout.js on a page of ours,
 * `redirect: true`), or the base URL of the local stand-in, whose fake
 * Checkout pays without money (development, tests, the demo). A production
 * process refuses to boot with the fake one.
 */
const keyId = env.get('RAZORPAY_KEY_ID', '')
const keySecret = env.get('RAZORPAY_KEY_SECRET', '')

const checkout = env.get('RAZORPAY_CHECKOUT', 'razorpay').trim()
if (checkout !== 'razorpay') {
  let url: URL | null = null
  try {
    url = new URL(checkout)
  } catch {}
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new Error(
      `RAZORPAY_CHECKOUT is “razorpay” or the base URL of the Razorpay stand-in, not “${checkout}”`
    )
  }
  if (env.get('NODE_ENV') === 'production') {
    throw new Error(
      'RAZORPAY_CHECKOUT names the stand-in’s fake Checkout, which takes no money: a production process must use “razorpay”'
    )
  }
}

const razorpay = {
  keyId,
  keySecret,
  webhookSecret: env.get('RAZORPAY_WEBHOOK_SECRET', ''),
  baseUrl: env.get('RAZORPAY_BASE_URL', 'https://api.razorpay.com'),
  timeoutMs: env.get('RAZORPAY_TIMEOUT_MS', 15_000),
  configured: Boolean(keyId && keySecret),
  /** `razorpay`, or the stand-in's base URL (never in production). */
  checkout,
  /**
   * A webhook whose envelope was created longer ago than this is refused as
   * a replay (Razorpay retries an event for 24 hours, then gives up).
   */
  webhookWindowSeconds: env.get('RAZORPAY_WEBHOOK_WINDOW_SECONDS', 24 * 60 * 60),
  /** `billing:reconcile` asks after orders not yet paid this many days old at most. */
  reconcileDays: env.get('RAZORPAY_RECONCILE_DAYS', 3),
}

export default razorpay
