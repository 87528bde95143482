import { createServer } from 'node:net'
import { test } from '@japa/runner'
import {
  RazorpayClient,
  type RazorpayFailure,
  type RazorpayResult,
} from '#billing/services/razorpay_client'
import { type RazorpayStandInOptions, startRazorpayStandIn } from '../../../stand_ins/razorpay.js'

/*
| Our client against the Razorpay stand-in, over real HTTP: every call,
| and every way one can come to nothing.
*/

const KEY_ID = 'rzp_test_1DP5mmOlF5G5ag'
const KEY_SECRET = 'thisIsTheKeySecret000001'

async function given(
  cleanup: (fn: () => Promise<void>) => void,
  options: RazorpayStandInOptions = {}
) {
  const standIn = await startRazorpayStandIn({ keyId: KEY_ID, keySecret: KEY_SECRET, ...options })
  cleanup(() => standIn.close())
  const client = clientOf(standIn.url)
  return { standIn, client }
}

const clientOf = (baseUrl: string, overrides: { keySecret?: string; timeoutMs?: number } = {}) =>
  new RazorpayClient({
    baseUrl,
    keyId: KEY_ID,
    keySecret: overrides.keySecret ?? KEY_SECRET,
    timeoutMs: overrides.timeoutMs ?? 5_000,
  })

/** The value of a result that must have succeeded. */
function valueOf<T>(result: RazorpayResult<T>): T {
  if (!result.ok) throw new Error(`expected success, got ${result.kind}: ${result.message}`)
  return result.value
}

/** The failure of a result that must have failed. */
function failureOf<T>(result: RazorpayResult<T>): RazorpayFailure {
  if (result.ok) throw new Error(`expected a failure, got ${JSON.stringify(result.value)}`)
  return result
}

/** A port nothing listens on: taken, then let go. */
async function closedPort() {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const { port } = server.address() as { port: number }
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

test.group('Razorpay client', () => {
  test('creates an order and reads it back, with its payments once paid', async ({
    assert,
    cleanup,
  }) => {
    const { standIn, client } = await given(cleanup)
    const order = valueOf(
      await client.createOrder({
        amount: 47_082,
        receipt: 'XEN-ACME-000001',
        notes: { org: 'acme' },
      })
    )
    assert.match(order.id, /^order_/)
    assert.deepInclude(order, {
      amount: 47_082,
      currency: 'INR',
      receipt: 'XEN-ACME-000001',
      status: 'created',
      notes: { org: 'acme' },
    })
    assert.deepEqual(valueOf(await client.fetchOrder(order.id)), order)
    assert.deepEqual(valueOf(await client.fetchOrderPayments(order.id)), [])

    const payment = standIn.pay(order.id, 'captured')
    assert.equal(valueOf(await client.fetchOrder(order.id)).status, 'paid')
    const payments = valueOf(await client.fetchOrderPayments(order.id))
    assert.deepEqual(
      payments.map((p) => [p.id, p.status]),
      [[payment.id, 'captured']]
    )
    assert.deepInclude(valueOf(await client.fetchPayment(payment.id)), {
      id: payment.id,
      order_id: order.id,
      amount: 47_082,
      captured: true,
    })
  })

  test('captures an authorized payment', async ({ assert, cleanup }) => {
    const { standIn, client } = await given(cleanup)
    const order = valueOf(await client.createOrder({ amount: 47_082 }))
    const authorized = standIn.pay(order.id, 'authorized')
    const captured = valueOf(await client.capturePayment(authorized.id, { amount: 47_082 }))
    assert.deepInclude(captured, { id: authorized.id, status: 'captured', captured: true })
    assert.equal(standIn.state().orders[0].status, 'paid')
  })

  test('refunds under an idempotency key: the same request again answers the same refund', async ({
    assert,
    cleanup,
  }) => {
    const { standIn, client } = await given(cleanup)
    const order = valueOf(await client.createOrder({ amount: 47_082 }))
    const payment = standIn.pay(order.id, 'captured')
    const request = { amount: 11_800, notes: { credit_note: 'XEN-CN-000001' }, receipt: 'CN-1' }
    const refund = valueOf(await client.refundPayment(payment.id, request, 'refund-cn-000001'))
    assert.match(refund.id, /^rfnd_/)
    assert.deepInclude(refund, { amount: 11_800, payment_id: payment.id, receipt: 'CN-1' })

    const retried = valueOf(await client.refundPayment(payment.id, request, 'refund-cn-000001'))
    assert.equal(retried.id, refund.id)
    assert.lengthOf(standIn.state().refunds, 1)

    await standIn.webhooksSettled()
    assert.deepInclude(valueOf(await client.fetchRefund(refund.id)), {
      id: refund.id,
      status: 'processed',
    })
    // No amount: whatever is left.
    const rest = valueOf(await client.refundPayment(payment.id, {}, 'refund-cn-000002'))
    assert.equal(rest.amount, 47_082 - 11_800)
    assert.equal(valueOf(await client.fetchPayment(payment.id)).refund_status, 'full')
  })

  test('a request Razorpay refuses is rejected with its code, description, field and HTTP status', async ({
    assert,
    cleanup,
  }) => {
    const { client } = await given(cleanup)
    valueOf(await client.createOrder({ amount: 47_082, receipt: 'XEN-ACME-000001' }))
    const reused = failureOf(await client.createOrder({ amount: 100, receipt: 'XEN-ACME-000001' }))
    assert.deepInclude(reused, {
      kind: 'rejected',
      httpStatus: 400,
      code: 'BAD_REQUEST_ERROR',
      description: 'Order receipt should be unique.',
      field: 'receipt',
    })
    assert.equal(
      reused.message,
      'Razorpay refused to create the order: Order receipt should be unique. (field “receipt”)'
    )

    const tooSmall = failureOf(await client.createOrder({ amount: 99 }))
    assert.deepInclude(tooSmall, { kind: 'rejected', field: 'amount' })

    const unknown = failureOf(await client.fetchPayment('pay_doesNotExist01'))
    assert.deepInclude(unknown, {
      kind: 'rejected',
      httpStatus: 400,
      description: 'The id provided does not exist',
      field: null,
    })
    assert.include(unknown.message, 'fetch payment pay_doesNotExist01')
  })

  test('a refund over what is left, or under a key already used for another refund, is rejected', async ({
    assert,
    cleanup,
  }) => {
    const { standIn, client } = await given(cleanup)
    const order = valueOf(await client.createOrder({ amount: 47_082 }))
    const payment = standIn.pay(order.id, 'captured')
    const over = failureOf(
      await client.refundPayment(payment.id, { amount: 47_083 }, 'refund-over-000001')
    )
    assert.deepInclude(over, { kind: 'rejected', httpStatus: 400, field: 'amount' })

    valueOf(await client.refundPayment(payment.id, { amount: 1_000 }, 'refund-key-000001'))
    const reusedKey = failureOf(
      await client.refundPayment(payment.id, { amount: 2_000 }, 'refund-key-000001')
    )
    assert.deepInclude(reusedKey, { kind: 'rejected', httpStatus: 400 })
    assert.lengthOf(standIn.state().refunds, 1)
  })

  test('a duplicate refund sent while the first is in flight is rejected with 409 and a word to retry', async ({
    assert,
    cleanup,
  }) => {
    const { standIn, client } = await given(cleanup)
    const order = valueOf(await client.createOrder({ amount: 47_082 }))
    const payment = standIn.pay(order.id, 'captured')
    standIn.configure({ responseDelayMs: 200 })
    const first = client.refundPayment(payment.id, { amount: 1_000 }, 'refund-twice-00001')
    await new Promise((resolve) => setTimeout(resolve, 50))
    const second = failureOf(
      await client.refundPayment(payment.id, { amount: 1_000 }, 'refund-twice-00001')
    )
    assert.deepInclude(second, { kind: 'rejected', httpStatus: 409 })
    assert.match(second.message, /send it again shortly, unchanged/)
    valueOf(await first)
  })

  test('a wrong key secret is unauthorized', async ({ assert, cleanup }) => {
    const { standIn } = await given(cleanup)
    const client = clientOf(standIn.url, { keySecret: 'not-the-secret' })
    const failure = failureOf(await client.fetchOrder('order_anything0001'))
    assert.deepInclude(failure, { kind: 'unauthorized', httpStatus: 401 })
    assert.include(failure.message, KEY_ID)
    assert.notInclude(failure.message, 'not-the-secret')
  })

  test('nothing listening is unreachable: the connection was refused', async ({ assert }) => {
    const port = await closedPort()
    const client = clientOf(`http://127.0.0.1:${port}`)
    const failure = failureOf(await client.createOrder({ amount: 47_082 }))
    assert.equal(failure.kind, 'unreachable')
    assert.equal(
      failure.message,
      `Could not reach Razorpay at http://127.0.0.1:${port} to create the order: the connection was refused.`
    )
  })

  test('no answer within the timeout is unreachable, and a request that was sent may have been carried out', async ({
    assert,
    cleanup,
  }) => {
    const { standIn } = await given(cleanup, { responseDelayMs: 1_000 })
    const client = clientOf(standIn.url, { timeoutMs: 100 })
    const started = Date.now()
    const failure = failureOf(await client.createOrder({ amount: 47_082 }))
    assert.isBelow(Date.now() - started, 900)
    assert.equal(failure.kind, 'unreachable')
    assert.match(
      failure.message,
      /did not answer within 0\.1 seconds when asked to create the order/
    )
    assert.match(failure.message, /may have done it all the same/)

    const read = failureOf(await client.fetchOrder('order_anything0001'))
    assert.equal(read.kind, 'unreachable')
    assert.notMatch(read.message, /may have done it/)
  })

  test('a 503 from Razorpay is a server error', async ({ assert, cleanup }) => {
    const { standIn, client } = await given(cleanup, { serverErrors: 1 })
    const failure = failureOf(await client.createOrder({ amount: 47_082 }))
    assert.deepInclude(failure, { kind: 'server_error', httpStatus: 503 })
    assert.match(failure.message, /HTTP 503/)
    assert.deepEqual(standIn.state().orders, [])
    // It recovers, and so does the client.
    valueOf(await client.createOrder({ amount: 47_082 }))
  })

  test('amounts that are not whole paise are refused before anything is sent', async ({
    assert,
    cleanup,
  }) => {
    const { standIn, client } = await given(cleanup)
    const order = valueOf(await client.createOrder({ amount: 47_082 }))
    const payment = standIn.pay(order.id, 'authorized')
    for (const amount of [470.82, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53]) {
      await assert.rejects(() => client.createOrder({ amount }), /whole number of paise/)
    }
    await assert.rejects(
      () => client.capturePayment(payment.id, { amount: 470.82 }),
      /whole number of paise/
    )
    await assert.rejects(
      () => client.refundPayment(payment.id, { amount: 0.5 }, 'refund-half-000001'),
      /whole number of paise/
    )
    const state = standIn.state()
    assert.lengthOf(state.orders, 1)
    assert.equal(state.payments[0].status, 'authorized')
    assert.deepEqual(state.refunds, [])
  })
})
