import razorpay from '#config/razorpay'
import { appUrl } from '#config/app'
import { RazorpayClient } from '#billing/services/razorpay_client'

/** Our Razorpay client with the account's settings (`config/razorpay.ts`), read at each call. */
export function razorpayClient() {
  return new RazorpayClient({
    baseUrl: razorpay.baseUrl,
    keyId: razorpay.keyId,
    keySecret: razorpay.keySecret,
    timeoutMs: razorpay.timeoutMs,
  })
}

/** Where Checkout sends the payer back: our callback, naming our order (the signature is checked against it). */
export function checkoutCallbackUrl(orderId: string) {
  return `${appUrl}/billing/razorpay/callback?order=${encodeURIComponent(orderId)}`
}

/**
 * Where a payer goes to pay an order: our page that opens Razorpay's
 * Checkout, or (development, tests, the demo) the stand-in's fake one.
 */
export function checkoutLocation(order: { id: string; razorpayOrderId: string }) {
  if (razorpay.checkout === 'razorpay') return `/billing/orders/${order.id}/checkout`
  const url = new URL(
    `/_standin/checkout/${encodeURIComponent(order.razorpayOrderId)}`,
    razorpay.checkout
  )
  url.searchParams.set('callback_url', checkoutCallbackUrl(order.id))
  return url.href
}
