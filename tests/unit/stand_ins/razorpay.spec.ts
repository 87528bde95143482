import { type IncomingHttpHeaders, createServer } from 'node:http'
import { test } from '@japa/runner'
import {
  checkoutSignatureValid,
  webhookSignatureValid,
} from '#billing/services/razorpay_signatures'
import {
  type RazorpayStandIn,
  type RazorpayStandInOptions,
  startRazorpayStandIn,
} from '../../../stand_ins/razorpay.js'
import { closeServer, listenLocally } from '#tests/helpers/local_servers'

/*
| The stand-in's protocol, spoken to over HTTP as our client and a browser
| would. Signatures are checked with billing's own functions, so the
| stand-in and the app agree on what Razorpay signs.
*/

const KEY_ID = 'rzp_test_1DP5mmOlF5G5ag'
const KEY_SECRET = 'thisIsTheKeySecret000001'
const WEBHOOK_SECRET = 'the-webhook-secret'

interface Received {
  headers: IncomingHttpHeaders
  raw: string
  body: any
}

/** Our side: a webhook endpoint and a Checkout callback page, keeping what arrives. */
async function startMerchant() {
  const webhooks: Received[] = []
  const callbacks: Array<{ method: string; url: URL; form: URLSearchParams }> = []
  const merchant = {
    webhooks,
    callbacks,
    url: '',
    answer: (_received: Received) => 200,
  }
  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = []
    for await (const chunk of request) chunks.push(chunk)
    const raw = Buffer.concat(chunks).toString('utf8')
    const url = new URL(request.url!, merchant.url)
    if (url.pathname === '/webhooks/razorpay') {
      const received = { headers: request.headers, raw, body: JSON.parse(raw) }
      webhooks.push(received)
      return response.writeHead(merchant.answer(received)).end()
    }
    callbacks.push({ method: request.method!, url, form: new URLSearchParams(raw) })
    response.writeHead(200, { 'Content-Type': 'text/plain' }).end('thank you')
  })
  merchant.url = await listenLocally(server)
  return { merchant, close: () => closeServer(server) }
}

/** A stand-in and our side of it, closed after the test. */
async function given(
  cleanup: (fn: () => Promise<void>) => void,
  options: RazorpayStandInOptions = {}
) {
  const { merchant, close } = await startMerchant()
  const standIn = await startRazorpayStandIn({
    keyId: KEY_ID,
    keySecret: KEY_SECRET,
    webhookUrl: `${merchant.url}/webhooks/razorpay`,
    webhookSecret: WEBHOOK_SECRET,
    refundProcessingMs: 5,
    webhookRetryDelayMs: 5,
    ...options,
  })
  cleanup(async () => {
    await standIn.close()
    await close()
  })
  return { standIn, merchant, api: apiOf(standIn) }
}

const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`

/** Calls the stand-in's API as our client does. */
function apiOf(standIn: RazorpayStandIn) {
  return async (
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    headers: Record<string, string> = {}
  ) => {
    const response = await fetch(`${standIn.url}${path}`, {
      method,
      headers: {
        Authorization: basic(KEY_ID, KEY_SECRET),
        ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    return { status: response.status, body: (await response.json()) as any }
  }
}

type Api = ReturnType<typeof apiOf>

/** An entity as the API answers it now. */
async function read(api: Api, path: string) {
  const { body } = await api('GET', path)
  return body
}

async function orderOf(api: Api, amount = 47_082, extra: Record<string, unknown> = {}) {
  const { status, body } = await api('POST', '/v1/orders', { amount, currency: 'INR', ...extra })
  if (status !== 200) throw new Error(`the order was refused: ${JSON.stringify(body)}`)
  return body
}

/** A captured payment of an order of `amount` paise. */
async function capturedPayment(standIn: RazorpayStandIn, api: Api, amount = 47_082) {
  const order = await orderOf(api, amount)
  return standIn.pay(order.id, 'captured')
}

const events = (received: Received[]) => received.map((w) => w.body.event)

/** Every input of every form of a page, and each form's action. */
function formsOf(html: string) {
  return [...html.matchAll(/<form([^>]*)>([\s\S]*?)<\/form>/g)].map(([, attributes, inner]) => {
    const unescape = (text: string) =>
      text
        .replace(/&quot;/g, '"')
        .replace(/&#39;/g, "'")
        .replace(/&lt;/g, '<')
        .replace(/&gt;/g, '>')
        .replace(/&amp;/g, '&')
    const attribute = (source: string, name: string) =>
      unescape(new RegExp(`${name}="([^"]*)"`).exec(source)?.[1] ?? '')
    const fields = new URLSearchParams()
    for (const [input] of inner.matchAll(/<input[^>]*>/g)) {
      fields.append(attribute(input, 'name'), attribute(input, 'value'))
    }
    const buttons = [...inner.matchAll(/<button[^>]*>([^<]*)<\/button>/g)].map(([tag, label]) => ({
      value: attribute(tag, 'value'),
      label,
    }))
    return {
      method: attribute(attributes, 'method'),
      action: attribute(attributes, 'action'),
      fields,
      buttons,
    }
  })
}

/** What a browser does on the fake Checkout: open it, press a button, follow what comes back. */
async function checkout(
  standIn: RazorpayStandIn,
  orderId: string,
  button: 'captured' | 'failed',
  callbackUrl: string,
  callbackMethod?: 'get' | 'post'
) {
  const pageUrl = standIn.checkoutUrl(orderId, callbackUrl, callbackMethod)
  const page = await fetch(pageUrl)
  const [form] = formsOf(await page.text())
  form.fields.set('outcome', button)
  return fetch(new URL(form.action, pageUrl), {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: form.fields,
    redirect: 'manual',
  })
}

test.group('Razorpay stand-in', () => {
  test('an order is created in Razorpay’s shape and read back by its id', async ({
    assert,
    cleanup,
  }) => {
    const { api } = await given(cleanup)
    const before = Math.floor(Date.now() / 1000)
    const created = await api('POST', '/v1/orders', {
      amount: 47_082,
      currency: 'INR',
      receipt: 'XEN-ACME-000001',
      notes: { org: 'acme', period: '2026-11' },
    })
    assert.equal(created.status, 200)
    assert.match(created.body.id, /^order_[A-Za-z0-9]{14}$/)
    assert.deepInclude(created.body, {
      entity: 'order',
      amount: 47_082,
      amount_paid: 0,
      amount_due: 47_082,
      currency: 'INR',
      receipt: 'XEN-ACME-000001',
      status: 'created',
      attempts: 0,
      notes: { org: 'acme', period: '2026-11' },
    })
    assert.isAtLeast(created.body.created_at, before)
    assert.isAtMost(created.body.created_at, Math.floor(Date.now() / 1000))

    const fetched = await api('GET', `/v1/orders/${created.body.id}`)
    assert.equal(fetched.status, 200)
    assert.deepEqual(fetched.body, created.body)

    const bare = await orderOf(api, 100)
    assert.deepEqual(bare.notes, [])
    assert.isNull(bare.receipt)
  })

  test('a request without Basic auth, with an unknown key id or a wrong secret gets 401 in Razorpay’s error shape', async ({
    assert,
    cleanup,
  }) => {
    const { standIn, api } = await given(cleanup)
    const order = { amount: 47_082, currency: 'INR' }
    const none = await fetch(`${standIn.url}/v1/orders`, {
      method: 'POST',
      body: JSON.stringify(order),
    })
    const unknownKey = await api('POST', '/v1/orders', order, {
      Authorization: basic('rzp_test_someoneElse001', KEY_SECRET),
    })
    const wrongSecret = await api('GET', '/v1/orders/order_anything', undefined, {
      Authorization: basic(KEY_ID, 'guessed'),
    })

    assert.equal(none.status, 401)
    for (const refusal of [(await none.json()) as any, unknownKey.body, wrongSecret.body]) {
      assert.equal(refusal.error.code, 'BAD_REQUEST_ERROR')
      assert.isString(refusal.error.description)
      assert.containsSubset(refusal.error, { source: 'NA', step: 'NA', reason: 'NA', metadata: {} })
    }
    assert.equal(unknownKey.status, 401)
    assert.equal(wrongSecret.status, 401)
    assert.deepEqual(standIn.state().orders, [])
  })

  test('an order Razorpay would refuse gets 400 BAD_REQUEST_ERROR naming the field at fault', async ({
    assert,
    cleanup,
  }) => {
    const { standIn, api } = await given(cleanup)
    const manyNotes = Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`n${i}`, 'x']))
    const cases: Array<[Record<string, unknown>, string, RegExp]> = [
      [{ currency: 'INR' }, 'amount', /amount field is required/],
      [{ amount: 470.82, currency: 'INR' }, 'amount', /must be an integer/],
      [{ amount: '47082', currency: 'INR' }, 'amount', /must be an integer/],
      [{ amount: 99, currency: 'INR' }, 'amount', /at least INR 1\.00/],
      [{ amount: 47_082 }, 'currency', /currency field is required/],
      [{ amount: 47_082, currency: 'USD' }, 'currency', /not supported/],
      [{ amount: 47_082, currency: 'INR', receipt: 'r'.repeat(41) }, 'receipt', /40 characters/],
      [{ amount: 47_082, currency: 'INR', notes: manyNotes }, 'notes', /more than 15/],
      [{ amount: 47_082, currency: 'INR', notes: { a: 'x'.repeat(257) } }, 'notes.a', /256/],
      [{ amount: 47_082, currency: 'INR', customer: 'c' }, 'customer', /should not be sent/],
    ]
    for (const [body, field, description] of cases) {
      const { status, body: answer } = await api('POST', '/v1/orders', body)
      assert.equal(status, 400, JSON.stringify(body))
      assert.equal(answer.error.code, 'BAD_REQUEST_ERROR')
      assert.equal(answer.error.field, field, JSON.stringify(body))
      assert.match(answer.error.description, description)
      assert.equal(answer.error.source, 'business')
      assert.deepEqual(answer.error.metadata, {})
    }
    // The edges themselves are fine.
    await orderOf(api, 100, { receipt: 'r'.repeat(40), notes: { ...manyNotes, n15: undefined } })
    assert.lengthOf(standIn.state().orders, 1)
  })

  test('a receipt belongs to one order: a second order with it is refused', async ({
    assert,
    cleanup,
  }) => {
    const { standIn, api } = await given(cleanup)
    await orderOf(api, 47_082, { receipt: 'XEN-ACME-000001' })
    const again = await api('POST', '/v1/orders', {
      amount: 10_000,
      currency: 'INR',
      receipt: 'XEN-ACME-000001',
    })
    assert.equal(again.status, 400)
    assert.equal(again.body.error.description, 'Order receipt should be unique.')
    assert.equal(again.body.error.field, 'receipt')
    await orderOf(api, 47_082, { receipt: 'XEN-ACME-000002' })
    assert.lengthOf(standIn.state().orders, 2)
  })

  test('an unknown id gets 400 “does not exist” and an unknown path 404', async ({
    assert,
    cleanup,
  }) => {
    const { api } = await given(cleanup)
    for (const path of ['/v1/orders/order_nope', '/v1/payments/pay_nope', '/v1/refunds/rfnd_no']) {
      const { status, body } = await api('GET', path)
      assert.equal(status, 400, path)
      assert.equal(body.error.description, 'The id provided does not exist')
    }
    const missing = await api('GET', '/v1/subscriptions')
    assert.equal(missing.status, 404)
    assert.equal(missing.body.error.code, 'BAD_REQUEST_ERROR')
  })

  test('paying an order captures the payment at once and marks the order paid, once', async ({
    assert,
    cleanup,
  }) => {
    const { api } = await given(cleanup)
    const order = await orderOf(api)
    const paid = await api('POST', `/_standin/orders/${order.id}/pay`, { outcome: 'captured' })
    assert.equal(paid.status, 200)
    const payment = paid.body
    assert.match(payment.id, /^pay_[A-Za-z0-9]{14}$/)
    assert.deepInclude(payment, {
      entity: 'payment',
      amount: 47_082,
      currency: 'INR',
      status: 'captured',
      order_id: order.id,
      captured: true,
      amount_refunded: 0,
      refund_status: null,
      error_code: null,
    })
    // Razorpay's 2 % (941.64 → 942) with 18 % GST on it (169.56 → 170).
    assert.equal(payment.tax, 170)
    assert.equal(payment.fee, 942 + 170)

    assert.deepEqual(await read(api, `/v1/payments/${payment.id}`), payment)
    const orderNow = await read(api, `/v1/orders/${order.id}`)
    assert.deepInclude(orderNow, {
      status: 'paid',
      amount_paid: 47_082,
      amount_due: 0,
      attempts: 1,
    })
    const list = await api('GET', `/v1/orders/${order.id}/payments`)
    assert.deepEqual(list.body, { entity: 'collection', count: 1, items: [payment] })

    const again = await api('POST', `/_standin/orders/${order.id}/pay`, { outcome: 'captured' })
    assert.equal(again.status, 400)
    assert.match(again.body.error.description, /already been paid/)
  })

  test('an authorized payment waits for a capture of exactly its amount, and is captured once', async ({
    assert,
    cleanup,
  }) => {
    const { standIn, api } = await given(cleanup)
    const order = await orderOf(api)
    const payment = standIn.pay(order.id, 'authorized')
    assert.equal(payment.status, 'authorized')
    assert.isFalse(payment.captured)
    assert.propertyVal(await read(api, `/v1/orders/${order.id}`), 'status', 'attempted')

    const wrongAmount = await api('POST', `/v1/payments/${payment.id}/capture`, {
      amount: 47_000,
      currency: 'INR',
    })
    assert.equal(wrongAmount.status, 400)
    assert.equal(wrongAmount.body.error.field, 'amount')
    const noCurrency = await api('POST', `/v1/payments/${payment.id}/capture`, { amount: 47_082 })
    assert.equal(noCurrency.body.error.field, 'currency')

    const captured = await api('POST', `/v1/payments/${payment.id}/capture`, {
      amount: 47_082,
      currency: 'INR',
    })
    assert.equal(captured.status, 200)
    assert.deepInclude(captured.body, { id: payment.id, status: 'captured', captured: true })
    assert.propertyVal(await read(api, `/v1/orders/${order.id}`), 'status', 'paid')

    const twice = await api('POST', `/v1/payments/${payment.id}/capture`, {
      amount: 47_082,
      currency: 'INR',
    })
    assert.equal(twice.status, 400)
    assert.match(twice.body.error.description, /already been captured/)
  })

  test('a failed attempt carries Razorpay’s error fields, leaves the order attempted, and the order can still be paid', async ({
    assert,
    cleanup,
  }) => {
    const { standIn, api } = await given(cleanup)
    const order = await orderOf(api)
    const failed = standIn.pay(order.id, 'failed')
    assert.deepInclude(failed, {
      status: 'failed',
      captured: false,
      error_code: 'BAD_REQUEST_ERROR',
      error_source: 'bank',
      error_step: 'payment_authorization',
      error_reason: 'payment_declined',
    })
    assert.isString(failed.error_description)
    assert.deepInclude(await read(api, `/v1/orders/${order.id}`), {
      status: 'attempted',
      attempts: 1,
      amount_paid: 0,
    })
    const refund = await api('POST', `/v1/payments/${failed.id}/refund`, {})
    assert.equal(refund.status, 400)

    const paid = standIn.pay(order.id, 'captured')
    const list = await read(api, `/v1/orders/${order.id}/payments`)
    assert.deepEqual(
      list.items.map((p: any) => [p.id, p.status]),
      [
        [paid.id, 'captured'],
        [failed.id, 'failed'],
      ]
    )
    assert.deepInclude(await read(api, `/v1/orders/${order.id}`), {
      status: 'paid',
      attempts: 2,
    })
  })

  test('refunds take part, then the rest, and never more than was captured and not yet refunded', async ({
    assert,
    cleanup,
  }) => {
    const { standIn, api } = await given(cleanup)
    const payment = await capturedPayment(standIn, api)
    const part = await api('POST', `/v1/payments/${payment.id}/refund`, {
      amount: 20_000,
      notes: { reason: 'one certificate too many' },
      receipt: 'XEN-CN-000001',
    })
    assert.equal(part.status, 200)
    assert.match(part.body.id, /^rfnd_[A-Za-z0-9]{14}$/)
    assert.deepInclude(part.body, {
      entity: 'refund',
      amount: 20_000,
      currency: 'INR',
      payment_id: payment.id,
      receipt: 'XEN-CN-000001',
      status: 'pending',
      speed_requested: 'normal',
    })
    assert.deepInclude(await read(api, `/v1/payments/${payment.id}`), {
      status: 'captured',
      amount_refunded: 20_000,
      refund_status: 'partial',
    })

    const tooMuch = await api('POST', `/v1/payments/${payment.id}/refund`, { amount: 27_083 })
    assert.equal(tooMuch.status, 400)
    assert.equal(tooMuch.body.error.code, 'BAD_REQUEST_ERROR')
    assert.equal(tooMuch.body.error.field, 'amount')

    const rest = await api('POST', `/v1/payments/${payment.id}/refund`, {})
    assert.equal(rest.body.amount, 27_082)
    assert.deepInclude(await read(api, `/v1/payments/${payment.id}`), {
      status: 'refunded',
      amount_refunded: 47_082,
      refund_status: 'full',
    })
    const more = await api('POST', `/v1/payments/${payment.id}/refund`, { amount: 100 })
    assert.equal(more.status, 400)
    assert.match(more.body.error.description, /fully refunded/)

    await standIn.webhooksSettled()
    assert.propertyVal(await read(api, `/v1/refunds/${part.body.id}`), 'status', 'processed')
    const list = await read(api, `/v1/payments/${payment.id}/refunds`)
    assert.equal(list.entity, 'collection')
    assert.deepEqual(
      list.items.map((r: any) => [r.id, r.amount]),
      [
        [rest.body.id, 27_082],
        [part.body.id, 20_000],
      ]
    )
  })

  test('the same idempotency key with the same request answers the same refund; with another request it is refused', async ({
    assert,
    cleanup,
  }) => {
    const { standIn, api } = await given(cleanup)
    const payment = await capturedPayment(standIn, api)
    const key = { 'X-Refund-Idempotency': 'refund-7f3c2a10-0001' }
    const path = `/v1/payments/${payment.id}/refund`
    const first = await api('POST', path, { amount: 10_000, notes: { a: '1', b: '2' } }, key)
    // The same request, its keys in another order.
    const again = await api('POST', path, { notes: { b: '2', a: '1' }, amount: 10_000 }, key)
    assert.equal(first.status, 200)
    assert.equal(again.status, 200)
    assert.equal(again.body.id, first.body.id)
    assert.lengthOf(standIn.state().refunds, 1)
    assert.propertyVal(await read(api, `/v1/payments/${payment.id}`), 'amount_refunded', 10_000)

    const different = await api('POST', path, { amount: 20_000 }, key)
    assert.equal(different.status, 400)
    assert.equal(
      different.body.error.description,
      'Different request with the same idempotency key has already been processed.'
    )
    const anotherKey = await api(
      'POST',
      path,
      { amount: 10_000 },
      {
        'X-Refund-Idempotency': 'refund-7f3c2a10-0002',
      }
    )
    assert.notEqual(anotherKey.body.id, first.body.id)
    assert.lengthOf(standIn.state().refunds, 2)

    const short = await api('POST', path, { amount: 100 }, { 'X-Refund-Idempotency': 'abc' })
    assert.equal(short.status, 400)
    assert.lengthOf(standIn.state().refunds, 2)
  })

  test('a duplicate sent while the first request with its key is still in flight gets 409', async ({
    assert,
    cleanup,
  }) => {
    const { standIn, api } = await given(cleanup)
    const payment = await capturedPayment(standIn, api)
    standIn.configure({ responseDelayMs: 200 })
    const key = { 'X-Refund-Idempotency': 'refund-in-flight-0001' }
    const path = `/v1/payments/${payment.id}/refund`
    const first = api('POST', path, { amount: 10_000 }, key)
    await new Promise((resolve) => setTimeout(resolve, 50))
    const duplicate = await api('POST', path, { amount: 10_000 }, key)
    assert.equal(duplicate.status, 409)
    assert.equal(duplicate.body.error.code, 'BAD_REQUEST_ERROR')
    const answered = await first
    assert.equal(answered.status, 200)
    // Once the first is answered, the duplicate is answered with its refund.
    const retried = await api('POST', path, { amount: 10_000 }, key)
    assert.equal(retried.status, 200)
    assert.equal(retried.body.id, answered.body.id)
    assert.lengthOf(standIn.state().refunds, 1)
  })

  test('each event is posted signed with the webhook secret, in Razorpay’s envelope, with an event id of its own', async ({
    assert,
    cleanup,
  }) => {
    const { standIn, merchant, api } = await given(cleanup)
    const order = await orderOf(api)
    const payment = standIn.pay(order.id, 'captured')
    await standIn.webhooksSettled()

    assert.deepEqual(events(merchant.webhooks), [
      'payment.authorized',
      'payment.captured',
      'order.paid',
    ])
    for (const webhook of merchant.webhooks) {
      const signature = webhook.headers['x-razorpay-signature'] as string
      assert.match(signature, /^[0-9a-f]{64}$/)
      assert.isTrue(webhookSignatureValid(webhook.raw, signature, WEBHOOK_SECRET))
      assert.isFalse(webhookSignatureValid(webhook.raw, signature, 'another-secret'))
      assert.equal(webhook.headers['content-type'], 'application/json')
      assert.containsSubset(webhook.body, { entity: 'event', account_id: standIn.accountId })
      assert.isNumber(webhook.body.created_at)
    }
    const [authorized, captured, orderPaid] = merchant.webhooks.map((w) => w.body)
    assert.deepEqual(authorized.contains, ['payment'])
    assert.equal(authorized.payload.payment.entity.id, payment.id)
    // Each event carries the payment as it was then.
    assert.equal(authorized.payload.payment.entity.status, 'authorized')
    assert.equal(captured.payload.payment.entity.status, 'captured')
    assert.deepEqual(orderPaid.contains, ['payment', 'order'])
    assert.deepInclude(orderPaid.payload.order.entity, { id: order.id, status: 'paid' })
    assert.deepEqual(orderPaid.payload.order.entity.notes, [])
    const ids = merchant.webhooks.map((w) => w.headers['x-razorpay-event-id'] as string)
    assert.lengthOf(new Set(ids), 3)
    for (const id of ids) assert.match(id, /^[A-Za-z0-9]{14}$/)

    const another = await orderOf(api)
    const failed = standIn.pay(another.id, 'failed')
    await standIn.webhooksSettled()
    const last = merchant.webhooks.at(-1)!.body
    assert.equal(last.event, 'payment.failed')
    assert.deepInclude(last.payload.payment.entity, {
      id: failed.id,
      error_code: 'BAD_REQUEST_ERROR',
      error_reason: 'payment_declined',
    })
  })

  test('a refund posts refund.created then refund.processed; a failing one gives the amount back with refund.failed', async ({
    assert,
    cleanup,
  }) => {
    const { standIn, merchant, api } = await given(cleanup)
    const payment = await capturedPayment(standIn, api)
    await standIn.webhooksSettled()
    merchant.webhooks.length = 0
    const { body: refund } = await api('POST', `/v1/payments/${payment.id}/refund`, {
      amount: 5_000,
    })
    await standIn.webhooksSettled()
    assert.deepEqual(events(merchant.webhooks), ['refund.created', 'refund.processed'])
    const [created, processed] = merchant.webhooks.map((w) => w.body)
    assert.deepEqual(created.contains, ['refund', 'payment'])
    assert.deepInclude(created.payload.refund.entity, { id: refund.id, status: 'pending' })
    assert.equal(created.payload.payment.entity.amount_refunded, 5_000)
    assert.equal(processed.payload.refund.entity.status, 'processed')
    assert.match(processed.payload.refund.entity.acquirer_data.arn, /^\d{23}$/)

    merchant.webhooks.length = 0
    standIn.configure({ refundOutcome: 'failed' })
    const { body: bounced } = await api('POST', `/v1/payments/${payment.id}/refund`, {
      amount: 7_000,
    })
    await standIn.webhooksSettled()
    assert.deepEqual(events(merchant.webhooks), ['refund.created', 'refund.failed'])
    assert.propertyVal(await read(api, `/v1/refunds/${bounced.id}`), 'status', 'failed')
    assert.deepInclude(await read(api, `/v1/payments/${payment.id}`), {
      amount_refunded: 5_000,
      refund_status: 'partial',
    })
  })

  test('no event is posted until both a webhook URL and a secret are configured', async ({
    assert,
    cleanup,
  }) => {
    const { standIn, merchant, api } = await given(cleanup, { webhookSecret: null })
    await capturedPayment(standIn, api)
    await standIn.webhooksSettled()
    assert.lengthOf(merchant.webhooks, 0)
    standIn.configure({ webhookSecret: WEBHOOK_SECRET })
    await capturedPayment(standIn, api)
    await standIn.webhooksSettled()
    assert.lengthOf(merchant.webhooks, 3)
  })

  test('duplicates posts an event several times under one event id, byte for byte', async ({
    assert,
    cleanup,
  }) => {
    const { standIn, merchant, api } = await given(cleanup, { duplicates: 3 })
    const order = await orderOf(api)
    standIn.pay(order.id, 'failed')
    await standIn.webhooksSettled()
    assert.lengthOf(merchant.webhooks, 3)
    const [first, ...copies] = merchant.webhooks
    for (const copy of copies) {
      assert.equal(copy.raw, first.raw)
      assert.equal(copy.headers['x-razorpay-event-id'], first.headers['x-razorpay-event-id'])
      assert.equal(copy.headers['x-razorpay-signature'], first.headers['x-razorpay-signature'])
    }
    assert.deepEqual(
      standIn.webhooksPosted().map((p) => p.attempt),
      [1, 2, 3]
    )
  })

  test('reorder posts order.paid before payment.captured', async ({ assert, cleanup }) => {
    const { standIn, merchant, api } = await given(cleanup, { reorder: true, delayMs: 5 })
    await capturedPayment(standIn, api)
    await standIn.webhooksSettled()
    assert.deepEqual(events(merchant.webhooks), [
      'order.paid',
      'payment.captured',
      'payment.authorized',
    ])
  })

  test('a post the webhook does not answer with 2xx is posted again, under the same event id, until taken', async ({
    assert,
    cleanup,
  }) => {
    const { standIn, merchant, api } = await given(cleanup)
    let answers = 0
    merchant.answer = () => (++answers <= 2 ? 503 : 200)
    const order = await orderOf(api)
    standIn.pay(order.id, 'failed')
    await standIn.webhooksSettled()
    assert.deepEqual(
      standIn.webhooksPosted().map((p) => [p.event, p.attempt, p.responseStatus]),
      [
        ['payment.failed', 1, 503],
        ['payment.failed', 2, 503],
        ['payment.failed', 3, 200],
      ]
    )
    assert.lengthOf(new Set(merchant.webhooks.map((w) => w.headers['x-razorpay-event-id'])), 1)
    assert.lengthOf(new Set(merchant.webhooks.map((w) => w.raw)), 1)
  })

  test('the checkout page shows the amount with Pay and Fail buttons, and loads no script from elsewhere', async ({
    assert,
    cleanup,
  }) => {
    const { standIn, merchant, api } = await given(cleanup)
    const order = await orderOf(api, 47_082, { receipt: 'XEN-<b>-1' })
    const response = await fetch(standIn.checkoutUrl(order.id, `${merchant.url}/billing/return`))
    assert.equal(response.status, 200)
    assert.match(response.headers.get('content-type')!, /^text\/html/)
    const html = await response.text()
    assert.include(html, '₹470.82')
    assert.include(html, 'XEN-&lt;b&gt;-1')
    assert.notMatch(html, /<script[^>]*\bsrc=/i)
    assert.notMatch(html, /<link[^>]*\bhref=/i)
    const [form] = formsOf(html)
    assert.equal(form.method, 'post')
    assert.equal(form.action, `/_standin/checkout/${order.id}`)
    assert.deepEqual(
      form.buttons.map((b) => b.value),
      ['captured', 'failed']
    )
    assert.match(form.buttons[0].label, /^Pay/)
    assert.equal(form.buttons[1].label, 'Fail')
    assert.equal(form.fields.get('callback_url'), `${merchant.url}/billing/return`)

    const unknown = await fetch(standIn.checkoutUrl('order_unknown0000000'))
    assert.equal(unknown.status, 404)
  })

  test('Pay on the checkout page sends the browser to the callback with ids and a signature our check accepts', async ({
    assert,
    cleanup,
  }) => {
    const { standIn, merchant, api } = await given(cleanup)
    const order = await orderOf(api)
    const answer = await checkout(standIn, order.id, 'captured', `${merchant.url}/billing/return`)
    assert.equal(answer.status, 200)
    // As Checkout does with redirect: a form the browser posts to the merchant at once.
    const html = await answer.text()
    assert.match(html, /<script>document\.getElementById\('callback'\)\.submit\(\)<\/script>/)
    const [callback] = formsOf(html)
    assert.equal(callback.method, 'post')
    assert.equal(callback.action, `${merchant.url}/billing/return`)
    await fetch(callback.action, { method: 'POST', body: callback.fields })

    const [received] = merchant.callbacks
    assert.equal(received.method, 'POST')
    const paymentId = received.form.get('razorpay_payment_id')!
    assert.equal(received.form.get('razorpay_order_id'), order.id)
    const signature = received.form.get('razorpay_signature')
    assert.isTrue(
      checkoutSignatureValid({ orderId: order.id, paymentId, signature, keySecret: KEY_SECRET })
    )
    assert.isFalse(
      checkoutSignatureValid({ orderId: order.id, paymentId, signature, keySecret: 'other' })
    )
    const payment = await read(api, `/v1/payments/${paymentId}`)
    assert.deepInclude(payment, { status: 'captured', order_id: order.id })
    assert.propertyVal(await read(api, `/v1/orders/${order.id}`), 'status', 'paid')

    const paidResponse = await fetch(standIn.checkoutUrl(order.id))
    const paidPage = await paidResponse.text()
    assert.include(paidPage, 'already been paid')
    assert.lengthOf(formsOf(paidPage), 0)
  })

  test('with callback_method=get the checkout redirects to the callback with the same fields', async ({
    assert,
    cleanup,
  }) => {
    const { standIn, merchant, api } = await given(cleanup)
    const order = await orderOf(api)
    const answer = await checkout(
      standIn,
      order.id,
      'captured',
      `${merchant.url}/billing/return?invoice=7`,
      'get'
    )
    assert.equal(answer.status, 303)
    const location = new URL(answer.headers.get('location')!)
    assert.equal(location.origin + location.pathname, `${merchant.url}/billing/return`)
    assert.equal(location.searchParams.get('invoice'), '7')
    assert.equal(location.searchParams.get('razorpay_order_id'), order.id)
    assert.isTrue(
      checkoutSignatureValid({
        orderId: order.id,
        paymentId: location.searchParams.get('razorpay_payment_id')!,
        signature: location.searchParams.get('razorpay_signature'),
        keySecret: KEY_SECRET,
      })
    )
  })

  test('Fail on the checkout page sends Razorpay’s error fields to the callback, naming the payment and order', async ({
    assert,
    cleanup,
  }) => {
    const { standIn, merchant, api } = await given(cleanup)
    const order = await orderOf(api)
    const answer = await checkout(standIn, order.id, 'failed', `${merchant.url}/billing/return`)
    const [callback] = formsOf(await answer.text())
    assert.isNull(callback.fields.get('razorpay_signature'))
    assert.equal(callback.fields.get('error[code]'), 'BAD_REQUEST_ERROR')
    assert.equal(callback.fields.get('error[source]'), 'bank')
    assert.equal(callback.fields.get('error[step]'), 'payment_authorization')
    assert.equal(callback.fields.get('error[reason]'), 'payment_declined')
    assert.isNotEmpty(callback.fields.get('error[description]'))
    const metadata = JSON.parse(callback.fields.get('error[metadata]')!)
    assert.equal(metadata.order_id, order.id)
    const payment = await read(api, `/v1/payments/${metadata.payment_id}`)
    assert.equal(payment.status, 'failed')
    assert.propertyVal(await read(api, `/v1/orders/${order.id}`), 'status', 'attempted')
  })

  test('server_errors answers that many API requests with 503, then recovers', async ({
    assert,
    cleanup,
  }) => {
    const { standIn, api } = await given(cleanup, { serverErrors: 2 })
    const answers = [
      await api('POST', '/v1/orders', { amount: 47_082, currency: 'INR' }),
      await api('POST', '/v1/orders', { amount: 47_082, currency: 'INR' }),
      await api('POST', '/v1/orders', { amount: 47_082, currency: 'INR' }),
    ]
    assert.deepEqual(
      answers.map((a) => a.status),
      [503, 503, 200]
    )
    assert.equal(answers[0].body.error.code, 'SERVER_ERROR')
    assert.lengthOf(standIn.state().orders, 1)
  })

  test('the control endpoints: config in snake_case, pay, state, webhooks and reset', async ({
    assert,
    cleanup,
  }) => {
    const { standIn, merchant, api } = await given(cleanup, { webhookUrl: null })
    const configured = await api('POST', '/_standin/config', {
      webhook_url: `${merchant.url}/webhooks/razorpay`,
      webhook_secret: 'rotated-secret',
      duplicates: 2,
      delay_ms: 0,
      reorder: false,
      server_errors: 0,
      response_delay_ms: 0,
    })
    assert.equal(configured.status, 200)
    const wrong = await api('POST', '/_standin/config', { duplicates: -1 })
    assert.equal(wrong.status, 400)
    assert.match(wrong.body.error, /duplicates/)
    const unknown = await api('POST', '/_standin/config', { webhookUrl: 'http://x' })
    assert.equal(unknown.status, 400)

    const order = await orderOf(api)
    const payment = await api('POST', `/_standin/orders/${order.id}/pay`, { outcome: 'failed' })
    assert.equal(payment.body.status, 'failed')
    const bad = await api('POST', `/_standin/orders/${order.id}/pay`, { outcome: 'maybe' })
    assert.equal(bad.status, 400)
    assert.equal(bad.body.error.field, 'outcome')
    await standIn.webhooksSettled()
    assert.lengthOf(merchant.webhooks, 2)
    assert.isTrue(
      webhookSignatureValid(
        merchant.webhooks[0].raw,
        merchant.webhooks[0].headers['x-razorpay-signature'] as string,
        'rotated-secret'
      )
    )

    const state = await read(api, '/_standin/state')
    assert.deepEqual(
      state.orders.map((o: any) => o.id),
      [order.id]
    )
    assert.deepEqual(
      state.payments.map((p: any) => p.id),
      [payment.body.id]
    )
    assert.deepEqual(state.refunds, [])
    const webhooks = await read(api, '/_standin/webhooks')
    assert.equal(webhooks.webhook_url, `${merchant.url}/webhooks/razorpay`)
    assert.deepEqual(
      webhooks.posted.map((p: any) => [p.event, p.attempt, p.responseStatus]),
      [
        ['payment.failed', 1, 200],
        ['payment.failed', 2, 200],
      ]
    )

    const { status: resetStatus } = await api('POST', '/_standin/reset')
    assert.equal(resetStatus, 200)
    assert.deepEqual(await read(api, '/_standin/state'), {
      orders: [],
      payments: [],
      refunds: [],
    })
    assert.deepPropertyVal(await read(api, '/_standin/webhooks'), 'posted', [])
    const { status: goneStatus } = await api('GET', `/v1/orders/${order.id}`)
    assert.equal(goneStatus, 400)
  })
})
