import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import db from '@adonisjs/lucid/services/db'
import type { ApiClient } from '@japa/api-client'
import { QueueWorker } from '#core/queue/worker'
import { appUrl } from '#config/app'
import BillingOrder from '#billing/models/billing_order'
import StartInvoicePayment from '#billing/actions/start_invoice_payment'
import { removeOrgData } from '#tests/helpers/certificates_cleanup'
import type Organization from '#orgs/models/organization'
import type User from '#identity/models/user'
import { actingAs, givenCustomRole, givenMember } from '#tests/helpers/given'
import { flashOf } from '#tests/helpers/flash'
import { exitOf, spawned } from '#tests/helpers/processes'
import {
  appBaseUrl,
  givenInvoicedOrg,
  KEY_ID,
  KEY_SECRET,
  paymentState,
  useRazorpaySettings,
  WEBHOOK_SECRET,
} from '#tests/helpers/razorpay'
import {
  type RazorpayStandIn,
  razorpaySignature,
  startRazorpayStandIn,
} from '../../../stand_ins/razorpay.js'

/*
| Paying an invoice end to end against the Razorpay stand-in: the pay
| route stores the order and sends the browser to (fake) Checkout, the
| callback is believed only with Razorpay's signature over the order id
| we stored and only from a payment fetched from Razorpay, and says how
| it went on the billing page.
*/

let standIn: RazorpayStandIn

/** The hidden fields of the form the stand-in's page posts (Checkout's return, or its Pay form). */
function formFields(html: string) {
  const fields = new URLSearchParams()
  for (const match of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    fields.append(match[1], match[2].replaceAll('&amp;', '&').replaceAll('&quot;', '"'))
  }
  return fields
}

/** Follows the fake Checkout as a browser does: its page, then Pay or Fail; answers what it posts back. */
async function payOnCheckout(location: string, outcome: 'captured' | 'failed') {
  const page = await fetch(location)
  const html = await page.text()
  const action = /<form method="post" action="([^"]+)">/.exec(html)?.[1]
  if (!action) throw new Error(`no Pay form on the Checkout page: ${html}`)
  const form = formFields(html)
  form.set('outcome', outcome)
  const done = await fetch(new URL(action, location), { method: 'POST', body: form })
  const back = await done.text()
  const callback = /<form id="callback" method="post" action="([^"]+)">/.exec(back)?.[1]
  if (!callback) throw new Error(`Checkout did not send the browser back: ${back}`)
  return { callbackUrl: callback.replaceAll('&amp;', '&'), fields: formFields(back) }
}

/** The callback as the browser makes it: Checkout's POST (stateless), then the GET it is sent to, with the session. */
async function returnFromCheckout(
  client: ApiClient,
  user: User,
  org: Organization,
  callbackUrl: string,
  fields: URLSearchParams
) {
  const path = callbackUrl.slice(appUrl.length)
  const posted = await client.post(path).form(Object.fromEntries(fields)).redirects(0)
  posted.assertStatus(303)
  // Checkout's POST comes from Razorpay's site: nothing of the payer's session is touched.
  if (posted.header('set-cookie')) throw new Error('the callback POST set a cookie')
  const location = posted.header('location')!
  const shown = await actingAs(client.get(location), user, org).redirects(0)
  return { posted, location, shown }
}

async function startPaying(client: ApiClient, user: User, org: Organization, invoiceId: string) {
  return actingAs(client.post(`/billing/invoices/${invoiceId}/payment`), user, org)
    .withCsrfToken()
    .redirects(0)
}

test.group('Paying an invoice through Checkout', (group) => {
  let restore: () => void
  group.setup(async () => {
    standIn = await startRazorpayStandIn({ keyId: KEY_ID, keySecret: KEY_SECRET })
    return () => standIn.close()
  })
  group.each.setup(() => testUtils.db().withGlobalTransaction())
  group.each.setup(() => {
    standIn.reset()
    standIn.configure({ webhookUrl: null, webhookSecret: null, duplicates: 1, reorder: false })
    restore = useRazorpaySettings({ baseUrl: standIn.url, checkout: standIn.url })
    return () => restore()
  })

  test('an owner pays: the order is stored before Checkout, the signed callback settles it from Razorpay’s own answer, the invoice is paid and the org active', async ({
    client,
    assert,
  }) => {
    const { org, owner, invoice } = await givenInvoicedOrg()
    await db.from('organizations').where('id', org.id).update({ billing_status: 'past_due' })

    const started = await startPaying(client, owner, org, invoice.id)
    started.assertStatus(303)
    const order = await BillingOrder.query().where('invoice_id', invoice.id).firstOrFail()
    assert.equal(order.amountPaise, invoice.amountDuePaise)
    assert.equal(order.receipt, order.id)
    assert.equal(order.status, 'created')
    const atRazorpay = standIn.state().orders
    assert.deepEqual(
      atRazorpay.map((o) => [o.id, o.amount, o.receipt, o.currency]),
      [[order.razorpayOrderId, invoice.amountDuePaise, order.id, 'INR']]
    )
    const location = new URL(started.header('location')!)
    assert.equal(location.origin, standIn.url)
    assert.equal(location.pathname, `/_standin/checkout/${order.razorpayOrderId}`)
    assert.equal(
      location.searchParams.get('callback_url'),
      `${appUrl}/billing/razorpay/callback?order=${order.id}`
    )

    const checkout = await payOnCheckout(location.href, 'captured')
    const { location: relayed, shown } = await returnFromCheckout(
      client,
      owner,
      org,
      checkout.callbackUrl,
      checkout.fields
    )
    assert.match(relayed, /^\/billing\/razorpay\/callback\?order=.*razorpay_signature=/)
    shown.assertStatus(302)
    assert.equal(shown.header('location'), '/billing')
    assert.equal(
      flashOf(shown).success,
      `Payment of ₹${(invoice.totalPaise / 100).toLocaleString('en-IN')}.00 received for invoice ${invoice.invoiceNumber}: it is paid in full.`
    )
    const state = await paymentState(order)
    assert.deepEqual(state.payments, [
      { status: 'captured', amount: invoice.totalPaise, captured: true },
    ])
    assert.deepEqual(state.invoice, { status: 'paid', paid: invoice.totalPaise, due: 0 })
    assert.equal(state.order, 'paid')
    assert.equal(state.billingStatus, 'active')

    // The browser's return again (back button, reload): nothing more.
    const again = await actingAs(client.get(relayed), owner, org).redirects(0)
    again.assertStatus(302)
    const after = await paymentState(order)
    assert.equal(after.audits, 1)
  })

  test('with webhooks on, duplicated and reordered, the callback and the webhooks both apply: each event stored once, the invoice credited once', async ({
    client,
    assert,
  }) => {
    standIn.configure({
      webhookUrl: `${appBaseUrl()}/webhooks/razorpay`,
      webhookSecret: WEBHOOK_SECRET,
      duplicates: 3,
      reorder: true,
    })
    const { org, owner, invoice } = await givenInvoicedOrg()
    const started = await startPaying(client, owner, org, invoice.id)
    const checkout = await payOnCheckout(started.header('location')!, 'captured')
    const { shown } = await returnFromCheckout(
      client,
      owner,
      org,
      checkout.callbackUrl,
      checkout.fields
    )
    assert.match(flashOf(shown).success, /paid in full/)
    await standIn.webhooksSettled()
    await QueueWorker.drain({ lanes: 2 })

    const posted = standIn.webhooksPosted()
    assert.lengthOf(posted, 9)
    assert.deepEqual(
      posted.map((post) => post.responseStatus),
      Array.from({ length: 9 }, () => 200)
    )
    const events = await db.from('billing_provider_events').orderBy('received_at')
    assert.deepEqual(events.map((event) => event.event).sort(), [
      'order.paid',
      'payment.authorized',
      'payment.captured',
    ])
    assert.deepEqual([...new Set(events.map((event) => event.status))], ['applied'])
    const order = await BillingOrder.query().where('invoice_id', invoice.id).firstOrFail()
    const state = await paymentState(order)
    assert.deepEqual(state.invoice, { status: 'paid', paid: invoice.totalPaise, due: 0 })
    assert.lengthOf(state.payments, 1)
    assert.equal(state.audits, 1)
  })

  test('a callback whose signature is not Razorpay’s for the stored order is refused: nothing is recorded and the message says why', async ({
    client,
    assert,
  }) => {
    const { org, owner, invoice } = await givenInvoicedOrg()
    await startPaying(client, owner, org, invoice.id)
    const order = await BillingOrder.query().where('invoice_id', invoice.id).firstOrFail()
    const payment = standIn.pay(order.razorpayOrderId, 'captured')
    // Another order's genuine pair: a valid signature, but not for the order this callback names.
    const other = await givenInvoicedOrg()
    await startPaying(client, other.owner, other.org, other.invoice.id)
    const otherOrder = await BillingOrder.query()
      .where('invoice_id', other.invoice.id)
      .firstOrFail()
    const otherPayment = standIn.pay(otherOrder.razorpayOrderId, 'captured')

    const attempts = [
      razorpaySignature(`${order.razorpayOrderId}|${payment.id}`, 'not-the-key-secret'),
      razorpaySignature(`${otherOrder.razorpayOrderId}|${otherPayment.id}`, KEY_SECRET),
      '',
    ]
    for (const [index, signature] of attempts.entries()) {
      const paymentId = index === 1 ? otherPayment.id : payment.id
      const { shown } = await returnFromCheckout(
        client,
        owner,
        org,
        `${appUrl}/billing/razorpay/callback?order=${order.id}`,
        new URLSearchParams({
          razorpay_payment_id: paymentId,
          razorpay_order_id: index === 1 ? otherOrder.razorpayOrderId : order.razorpayOrderId,
          razorpay_signature: signature,
        })
      )
      assert.equal(shown.header('location'), '/billing')
      assert.equal(
        flashOf(shown).error,
        `This payment confirmation for invoice ${invoice.invoiceNumber} could not be verified (its signature is not Razorpay’s for this order), so nothing was recorded from it. If you did pay, the payment will show here once Razorpay confirms it to us.`
      )
    }
    const state = await paymentState(order)
    assert.deepEqual(state.payments, [])
    assert.deepEqual(state.invoice, { status: 'issued', paid: 0, due: invoice.totalPaise })
  })

  test('a failed payment: the invoice stays unpaid, the payment is recorded as Razorpay states it, the message gives its reason', async ({
    client,
    assert,
  }) => {
    const { org, owner, invoice } = await givenInvoicedOrg()
    const started = await startPaying(client, owner, org, invoice.id)
    const checkout = await payOnCheckout(started.header('location')!, 'failed')
    assert.isNull(checkout.fields.get('razorpay_signature'))
    assert.equal(checkout.fields.get('error[reason]'), 'payment_declined')
    const { shown } = await returnFromCheckout(
      client,
      owner,
      org,
      checkout.callbackUrl,
      checkout.fields
    )
    assert.equal(
      flashOf(shown).error,
      `Your payment for invoice ${invoice.invoiceNumber} did not go through: Payment was declined by the bank. Try another payment method or contact your bank. Nothing was charged and the invoice is still unpaid; you can try again.`
    )
    const order = await BillingOrder.query().where('invoice_id', invoice.id).firstOrFail()
    const state = await paymentState(order)
    assert.deepEqual(state.payments, [
      { status: 'failed', amount: invoice.totalPaise, captured: false },
    ])
    assert.deepEqual(state.invoice, { status: 'issued', paid: 0, due: invoice.totalPaise })
    assert.equal(state.order, 'attempted')
    const failed = await db.from('billing_payments').where('order_id', order.id).first()
    assert.equal(failed.error_reason, 'payment_declined')

    // Paying again uses the same order (same amount, still open), and this time it works.
    const retried = await startPaying(client, owner, org, invoice.id)
    assert.equal(retried.header('location')!, started.header('location')!)
    assert.lengthOf(await BillingOrder.query().where('invoice_id', invoice.id), 1)
    const second = await payOnCheckout(retried.header('location')!, 'captured')
    await returnFromCheckout(client, owner, org, second.callbackUrl, second.fields)
    const paid = await paymentState(order)
    assert.deepEqual(paid.invoice, {
      status: 'paid',
      paid: invoice.totalPaise,
      due: 0,
    })
  })

  test('Checkout’s GET form of the return (the fields in the query, with the session) settles it the same way', async ({
    client,
    assert,
  }) => {
    const { org, owner, invoice } = await givenInvoicedOrg()
    await startPaying(client, owner, org, invoice.id)
    const order = await BillingOrder.query().where('invoice_id', invoice.id).firstOrFail()
    const page = await fetch(
      standIn.checkoutUrl(
        order.razorpayOrderId,
        `${appUrl}/billing/razorpay/callback?order=${order.id}`,
        'get'
      )
    )
    const html = await page.text()
    const form = formFields(html)
    form.set('outcome', 'captured')
    const paid = await fetch(`${standIn.url}/_standin/checkout/${order.razorpayOrderId}`, {
      method: 'POST',
      body: form,
      redirect: 'manual',
    })
    assert.equal(paid.status, 303)
    const location = new URL(paid.headers.get('location')!)
    assert.equal(location.pathname, '/billing/razorpay/callback')
    assert.equal(location.searchParams.get('order'), order.id)
    const shown = await actingAs(
      client.get(`${location.pathname}${location.search}`),
      owner,
      org
    ).redirects(0)
    assert.equal(shown.header('location'), '/billing')
    assert.match(flashOf(shown).success, /paid in full/)
    const state = await paymentState(order)
    assert.equal(state.invoice.status, 'paid')
  })

  test('a failed return naming no payment Razorpay knows: only the browser’s words, shown without text-direction controls and recorded nowhere', async ({
    client,
    assert,
  }) => {
    const { org, owner, invoice } = await givenInvoicedOrg()
    await startPaying(client, owner, org, invoice.id)
    const order = await BillingOrder.query().where('invoice_id', invoice.id).firstOrFail()
    const { shown } = await returnFromCheckout(
      client,
      owner,
      org,
      `${appUrl}/billing/razorpay/callback?order=${order.id}`,
      new URLSearchParams({
        'error[code]': 'BAD_REQUEST_ERROR',
        'error[description]': 'Card \u202Edeclined.',
        'error[reason]': 'payment_failed',
        'error[metadata]': JSON.stringify({
          payment_id: 'pay_NoSuchPayment01',
          order_id: order.razorpayOrderId,
        }),
      })
    )
    assert.equal(
      flashOf(shown).error,
      `Your payment for invoice ${invoice.invoiceNumber} did not go through: Card declined. Nothing was charged and the invoice is still unpaid; you can try again.`
    )
    const state = await paymentState(order)
    assert.deepEqual(state.payments, [])
  })

  test('a payment only authorized (auto-capture off) is captured by the callback', async ({
    client,
    assert,
  }) => {
    const { org, owner, invoice } = await givenInvoicedOrg()
    await startPaying(client, owner, org, invoice.id)
    const order = await BillingOrder.query().where('invoice_id', invoice.id).firstOrFail()
    const payment = standIn.pay(order.razorpayOrderId, 'authorized')
    const { shown } = await returnFromCheckout(
      client,
      owner,
      org,
      `${appUrl}/billing/razorpay/callback?order=${order.id}`,
      new URLSearchParams({
        razorpay_payment_id: payment.id,
        razorpay_order_id: order.razorpayOrderId,
        razorpay_signature: razorpaySignature(`${order.razorpayOrderId}|${payment.id}`, KEY_SECRET),
      })
    )
    assert.match(flashOf(shown).success, /paid in full/)
    assert.equal(standIn.state().payments[0].status, 'captured')
    const state = await paymentState(order)
    assert.equal(state.invoice.status, 'paid')
  })

  test('payments not configured: the pay route says so and creates nothing; an invoice already paid has nothing to pay', async ({
    client,
    assert,
  }) => {
    const { org, owner, invoice } = await givenInvoicedOrg()
    const unconfigured = useRazorpaySettings({ configured: false, keyId: '', keySecret: '' })
    try {
      const answer = await startPaying(client, owner, org, invoice.id)
      answer.assertStatus(302)
      assert.equal(answer.header('location'), '/billing')
      assert.match(
        flashOf(answer).error,
        /^Paying online is not set up here yet \(no Razorpay keys/
      )
    } finally {
      unconfigured()
    }
    assert.lengthOf(await BillingOrder.query().where('organization_id', org.id), 0)
    assert.lengthOf(standIn.state().orders, 0)

    await db
      .from('billing_invoices')
      .where('id', invoice.id)
      .update({ status: 'paid', amount_paid_paise: invoice.totalPaise, amount_due_paise: 0 })
    const paid = await startPaying(client, owner, org, invoice.id)
    assert.equal(
      flashOf(paid).error,
      `Invoice ${invoice.invoiceNumber} is already paid: nothing is due.`
    )
    assert.lengthOf(standIn.state().orders, 0)
  })

  test('Razorpay unreachable when the order is made: the message says so, nothing is stored', async ({
    client,
    assert,
  }) => {
    const { org, owner, invoice } = await givenInvoicedOrg()
    standIn.configure({ serverErrors: 1 })
    const answer = await startPaying(client, owner, org, invoice.id)
    assert.match(
      flashOf(answer).error,
      new RegExp(
        `^The payment of invoice ${invoice.invoiceNumber} could not be started: Razorpay had trouble of its own \\(HTTP 503\\)`
      )
    )
    assert.lengthOf(await BillingOrder.query().where('organization_id', org.id), 0)
  })

  test('another org’s invoice and a malformed id answer 404; a member who may not manage billing gets 403', async ({
    client,
    assert,
  }) => {
    const mine = await givenInvoicedOrg()
    const theirs = await givenInvoicedOrg()
    for (const id of [theirs.invoice.id, 'not-a-uuid']) {
      const answer = await startPaying(client, mine.owner, mine.org, id)
      answer.assertStatus(404)
    }
    const viewer = await givenMember(mine.org, await givenCustomRole(mine.org, ['billing.view']))
    const refused = await startPaying(client, viewer.user, mine.org, mine.invoice.id)
    refused.assertStatus(403)
    assert.lengthOf(standIn.state().orders, 0)
  })

  test('with Razorpay’s own Checkout, the pay route goes to our page, which opens checkout.js for the order under a policy that lets only Razorpay in', async ({
    client,
    assert,
  }) => {
    const own = useRazorpaySettings({ baseUrl: standIn.url, checkout: 'razorpay' })
    try {
      const { org, owner, invoice } = await givenInvoicedOrg()
      const started = await startPaying(client, owner, org, invoice.id)
      const order = await BillingOrder.query().where('invoice_id', invoice.id).firstOrFail()
      assert.equal(started.header('location')!, `/billing/orders/${order.id}/checkout`)
      const page = await actingAs(client.get(started.header('location')!), owner, org)
      page.assertStatus(200)
      const csp = page.header('content-security-policy')
      assert.include(csp, "script-src 'self' https://checkout.razorpay.com")
      assert.include(csp, 'frame-src https://api.razorpay.com https://checkout.razorpay.com')
      const data = /data-checkout="([^"]+)"/.exec(page.text())![1].replaceAll('&quot;', '"')
      const options = JSON.parse(data.replaceAll('&amp;', '&'))
      assert.deepInclude(options, {
        key: KEY_ID,
        order_id: order.razorpayOrderId,
        amount: invoice.amountDuePaise,
        currency: 'INR',
        callback_url: `${appUrl}/billing/razorpay/callback?order=${order.id}`,
      })
      // An htmx-boosted form is told where to go rather than redirected (its XHR would not leave our origin).
      const boosted = await actingAs(
        client.post(`/billing/invoices/${invoice.id}/payment`).header('HX-Request', 'true'),
        owner,
        org
      )
        .withCsrfToken()
        .redirects(0)
      boosted.assertStatus(204)
      assert.equal(boosted.header('hx-redirect'), `/billing/orders/${order.id}/checkout`)

      const stranger = await givenInvoicedOrg()
      const notTheirs = await actingAs(
        client.get(`/billing/orders/${order.id}/checkout`),
        stranger.owner,
        stranger.org
      )
      notTheirs.assertStatus(404)
    } finally {
      own()
    }
  })
})

test.group('Paying an invoice: two clicks at once (committed)', (group) => {
  const orgs: Organization[] = []
  group.setup(async () => {
    standIn = await startRazorpayStandIn({ keyId: KEY_ID, keySecret: KEY_SECRET })
    return () => standIn.close()
  })
  group.each.setup(() => useRazorpaySettings({ baseUrl: standIn.url, checkout: standIn.url }))
  group.each.teardown(async () => {
    for (const org of orgs.splice(0)) {
      await removeOrgData(org.id)
      await db
        .from('organizations')
        .where('id', org.id)
        .update({ deleted_at: '2000-01-01 00:00:00' })
    }
  })

  test('each click made an order at Razorpay, but both are sent to the same one, so only one can be paid from them', async ({
    assert,
  }) => {
    const { org, invoice } = await givenInvoicedOrg({ name: 'Double clicker' })
    orgs.push(org)
    const results = await Promise.all(
      [1, 2, 3].map(() =>
        StartInvoicePayment.handle({ org, actorUserId: null, invoiceId: invoice.id })
      )
    )
    const chosen = results.map((result) =>
      result.kind === 'checkout' ? result.order.id : result.kind
    )
    assert.lengthOf(new Set(chosen), 1)
    const stored = await BillingOrder.query().where('invoice_id', invoice.id).orderBy('created_at')
    assert.isAtLeast(stored.length, 1)
    assert.equal(chosen[0], stored[0].id)
  }).timeout(60_000)
})

test.group('Checkout configuration', () => {
  test('a production process refuses to boot with the stand-in’s fake Checkout', async ({
    assert,
  }) => {
    const run = spawned(['ace', 'billing:reconcile'], {
      NODE_ENV: 'production',
      RAZORPAY_CHECKOUT: 'http://127.0.0.1:2527',
    })
    const exit = await exitOf(run, 60_000)
    assert.notEqual(exit.code, 0)
    assert.include(run.output().replace(/\s+/g, ' '), 'a production process must use “razorpay”')

    const malformed = spawned(['ace', 'billing:reconcile'], { RAZORPAY_CHECKOUT: 'stand-in' })
    const refused = await exitOf(malformed, 60_000)
    assert.notEqual(refused.code, 0)
    assert.include(
      malformed.output().replace(/\s+/g, ' '),
      'RAZORPAY_CHECKOUT is “razorpay” or the base URL of the Razorpay stand-in, not “stand-in”'
    )
  }).timeout(120_000)
})
