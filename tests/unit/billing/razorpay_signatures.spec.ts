import { test } from '@japa/runner'
import {
  checkoutSignatureValid,
  webhookSignatureValid,
} from '#billing/services/razorpay_signatures'

/*
| The expected signatures were computed apart from our code, with
| `openssl dgst -sha256 -hmac <secret>` over the same text.
*/
const KEY_SECRET = 'EnLs21M47BllR3X8PSFtjtbd'
const CHECKOUT = {
  orderId: 'order_IEIaMR65cu6nz3',
  paymentId: 'pay_IH4NVgf4Dreq1l',
  signature: '0d4e745a1838664ad6c9c9902212a32d627d68e917290b0ad5f08ff4561bc50f',
}
const WEBHOOK_SECRET = 'whsec-test-secret'
const RAW = '{"entity":"event","event":"payment.captured"}'
const WEBHOOK_SIGNATURE = '5a5c44ff9dd68481d0e7bd360cd7b75f45ccf94dd82853ca8ae45a4257aabe4a'

test.group('Razorpay signatures', () => {
  test('checkout: HMAC-SHA256 of “order_id|payment_id” with the key secret; another order, payment or secret does not match', ({
    assert,
  }) => {
    assert.isTrue(checkoutSignatureValid({ ...CHECKOUT, keySecret: KEY_SECRET }))
    assert.isFalse(
      checkoutSignatureValid({ ...CHECKOUT, orderId: 'order_other', keySecret: KEY_SECRET })
    )
    assert.isFalse(
      checkoutSignatureValid({ ...CHECKOUT, paymentId: 'pay_other', keySecret: KEY_SECRET })
    )
    assert.isFalse(checkoutSignatureValid({ ...CHECKOUT, keySecret: 'another-secret' }))
    assert.isFalse(
      checkoutSignatureValid({
        ...CHECKOUT,
        signature: CHECKOUT.signature.toUpperCase(),
        keySecret: KEY_SECRET,
      })
    )
    assert.isFalse(
      checkoutSignatureValid({ ...CHECKOUT, signature: undefined, keySecret: KEY_SECRET })
    )
    assert.isFalse(checkoutSignatureValid({ ...CHECKOUT, keySecret: undefined }))
  })

  test('webhook: HMAC-SHA256 of the raw body with the webhook secret; a changed byte, another secret or no header does not match', ({
    assert,
  }) => {
    assert.isTrue(webhookSignatureValid(RAW, WEBHOOK_SIGNATURE, WEBHOOK_SECRET))
    assert.isFalse(
      webhookSignatureValid(RAW.replace('captured', 'failed'), WEBHOOK_SIGNATURE, WEBHOOK_SECRET)
    )
    assert.isFalse(webhookSignatureValid(`${RAW} `, WEBHOOK_SIGNATURE, WEBHOOK_SECRET))
    assert.isFalse(webhookSignatureValid(RAW, WEBHOOK_SIGNATURE, 'another-secret'))
    assert.isFalse(webhookSignatureValid(RAW, null, WEBHOOK_SECRET))
    assert.isFalse(webhookSignatureValid(RAW, WEBHOOK_SIGNATURE, undefined))
  })
})
