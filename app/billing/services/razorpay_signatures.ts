import { createHmac } from 'node:crypto'
import { constantTimeEqual } from '#core/services/constant_time'

/*
| Razorpay's two signatures (`../shared/reference/integrations.md`
| "Razorpay"), compared in constant time (the SDK compares with `===`).
| Neither fulfils anything by itself: a checkout's signature only says the
| browser's callback is genuine; payments are settled from the webhook or a
| server-side fetch of the payment.
*/

const hmacHex = (secret: string, text: string) =>
  createHmac('sha256', secret).update(text, 'utf8').digest('hex')

/** Checkout's `razorpay_signature`: hex HMAC-SHA256 of `<our stored order id>|<payment id>` with the key secret. */
export function checkoutSignatureValid(input: {
  orderId: string
  paymentId: string
  signature: string | undefined | null
  keySecret: string | undefined
}) {
  if (!input.signature || !input.keySecret || !input.orderId || !input.paymentId) return false
  return constantTimeEqual(
    input.signature,
    hmacHex(input.keySecret, `${input.orderId}|${input.paymentId}`)
  )
}

/** A webhook's `X-Razorpay-Signature`: hex HMAC-SHA256 of the raw body with the webhook secret. */
export function webhookSignatureValid(
  raw: string,
  signature: string | undefined | null,
  webhookSecret: string | undefined
) {
  if (!signature || !webhookSecret) return false
  return constantTimeEqual(signature, hmacHex(webhookSecret, raw))
}
