import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import db from '@adonisjs/lucid/services/db'
import { DateTime } from 'luxon'
import { dbTimestamp } from '#core/services/database_time'
import type Organization from '#orgs/models/organization'
import BillingOrder from '#billing/models/billing_order'
import StartInvoicePayment from '#billing/actions/start_invoice_payment'
import ReconcileRazorpay from '#billing/actions/reconcile_razorpay'
import { removeOrgData } from '#tests/helpers/certificates_cleanup'
import { exitOf, spawned } from '#tests/helpers/processes'
import {
  givenInvoicedOrg,
  invoiceOf,
  KEY_ID,
  KEY_SECRET,
  paymentState,
  useRazorpaySettings,
} from '#tests/helpers/razorpay'
import { type RazorpayStandIn, startRazorpayStandIn } from '../../../stand_ins/razorpay.js'

/*
| billing:reconcile: with webhooks lost (the stand-in has no webhook URL)
| and the payer gone before Checkout's return, Razorpay's own answers
| settle every order, payment and refund as the webhooks would have.
*/

let standIn: RazorpayStandIn

/** The payer starts paying, pays on Checkout, and never comes back. */
async function paidWithoutReturn(org: Organization, outcome: 'captured' | 'authorized' | 'failed') {
  const invoice = await db
    .from('billing_invoices')
    .where('organization_id', org.id)
    .where('kind', 'invoice')
    .first()
  const result = await StartInvoicePayment.handle({ org, actorUserId: null, invoiceId: invoice.id })
  if (result.kind !== 'checkout') throw new Error(`no order: ${JSON.stringify(result)}`)
  const payment = standIn.pay(result.order.razorpayOrderId, outcome)
  return { order: result.order, payment }
}

test.group('Reconciling with Razorpay', (group) => {
  group.setup(async () => {
    standIn = await startRazorpayStandIn({ keyId: KEY_ID, keySecret: KEY_SECRET })
    return () => standIn.close()
  })
  group.each.setup(() => testUtils.db().withGlobalTransaction())
  group.each.setup(() => {
    standIn.reset()
    return useRazorpaySettings({ baseUrl: standIn.url, checkout: standIn.url })
  })

  test('webhooks lost and no return from Checkout: the reconciliation settles the payment, the invoice is paid, and a second run changes nothing', async ({
    assert,
  }) => {
    const { org, invoice } = await givenInvoicedOrg()
    const { order } = await paidWithoutReturn(org, 'captured')
    assert.lengthOf(standIn.webhooksPosted(), 0)
    const before = await paymentState(order)
    assert.deepEqual(before.payments, [])

    const report = await ReconcileRazorpay.handle()
    assert.deepEqual(report, { configured: true, checked: 1, settled: 1, problems: [] })
    const state = await paymentState(order)
    assert.deepEqual(state.payments, [
      { status: 'captured', amount: invoice.totalPaise, captured: true },
    ])
    assert.deepEqual(state.invoice, { status: 'paid', paid: invoice.totalPaise, due: 0 })
    assert.equal(state.order, 'paid')

    const again = await ReconcileRazorpay.handle()
    assert.deepEqual(again, { configured: true, checked: 0, settled: 0, problems: [] })
    const after = await paymentState(order)
    assert.equal(after.audits, 1)
  })

  test('a payment only authorized is captured by the reconciliation; a failed one is recorded and the invoice stays unpaid', async ({
    assert,
  }) => {
    const authorized = await givenInvoicedOrg()
    const held = await paidWithoutReturn(authorized.org, 'authorized')
    const failed = await givenInvoicedOrg()
    const declined = await paidWithoutReturn(failed.org, 'failed')

    const report = await ReconcileRazorpay.handle()
    assert.equal(report.settled, 2)
    assert.deepEqual(report.problems, [])
    assert.equal(
      standIn.state().payments.find((payment) => payment.id === held.payment.id)!.status,
      'captured'
    )
    assert.include(await invoiceOf(held.order), { status: 'paid' })
    const notPaid = await paymentState(declined.order)
    assert.deepEqual(notPaid.payments, [
      { status: 'failed', amount: failed.invoice.totalPaise, captured: false },
    ])
    assert.equal(notPaid.invoice.status, 'issued')
    assert.equal(notPaid.order, 'attempted')
  })

  test('a payment we hold as authorized (its capture missed) is asked after even once its order is old', async ({
    assert,
  }) => {
    const { org } = await givenInvoicedOrg()
    const { order, payment } = await paidWithoutReturn(org, 'authorized')
    const { settleRazorpayPayment } = await import('#billing/actions/settle_razorpay_payment')
    // Recorded as authorized (say, its webhook) while capturing failed.
    standIn.configure({ serverErrors: 2 })
    const unsettled = await settleRazorpayPayment(payment as never)
    assert.equal(unsettled.kind, 'unsettled')
    await db.transaction(async (trx) => {
      const { applyRazorpayPayment } = await import('#billing/actions/apply_razorpay_entities')
      await applyRazorpayPayment(trx, payment as never)
    })
    await db
      .from('billing_orders')
      .where('id', order.id)
      .update({ created_at: dbTimestamp(db.connection(), DateTime.utc().minus({ days: 10 })) })
    const held = await paymentState(order)
    assert.equal(held.payments[0].status, 'authorized')

    const report = await ReconcileRazorpay.handle()
    assert.deepEqual(report, { configured: true, checked: 1, settled: 1, problems: [] })
    assert.include(await invoiceOf(order), { status: 'paid' })
  })

  test('Razorpay unreachable: the run says so and loses nothing; the next run settles', async ({
    assert,
  }) => {
    const { org } = await givenInvoicedOrg()
    const { order } = await paidWithoutReturn(org, 'captured')
    standIn.configure({ serverErrors: 1 })
    const troubled = await ReconcileRazorpay.handle()
    assert.equal(troubled.settled, 0)
    assert.lengthOf(troubled.problems, 1)
    assert.match(
      troubled.problems[0],
      /^Razorpay had trouble of its own \(HTTP 503\) when asked to fetch the payments of order order_/
    )
    assert.include(await invoiceOf(order), { status: 'issued' })
    const next = await ReconcileRazorpay.handle()
    assert.equal(next.settled, 1)
    assert.include(await invoiceOf(order), { status: 'paid' })
  })

  test('orders older than the reconciliation’s days are left alone; without keys nothing is asked', async ({
    assert,
  }) => {
    const { org } = await givenInvoicedOrg()
    const { order } = await paidWithoutReturn(org, 'captured')
    await db
      .from('billing_orders')
      .where('id', order.id)
      .update({ created_at: dbTimestamp(db.connection(), DateTime.utc().minus({ days: 4 })) })
    assert.deepEqual(await ReconcileRazorpay.handle(), {
      configured: true,
      checked: 0,
      settled: 0,
      problems: [],
    })
    const restore = useRazorpaySettings({ configured: false })
    try {
      assert.deepEqual(await ReconcileRazorpay.handle(), {
        configured: false,
        checked: 0,
        settled: 0,
        problems: [],
      })
    } finally {
      restore()
    }
    const untouched = await BillingOrder.findOrFail(order.id)
    assert.equal(untouched.status, 'created')
  })
})

test.group('node ace billing:reconcile (committed)', (group) => {
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

  test('the scheduled command settles a payment whose webhook was lost and says so', async ({
    assert,
  }) => {
    const { org, invoice } = await givenInvoicedOrg({ name: 'Reconciled by the command' })
    orgs.push(org)
    const { order } = await paidWithoutReturn(org, 'captured')
    const run = spawned(['ace', 'billing:reconcile'], {
      RAZORPAY_KEY_ID: KEY_ID,
      RAZORPAY_KEY_SECRET: KEY_SECRET,
      RAZORPAY_BASE_URL: standIn.url,
    })
    const exit = await exitOf(run, 60_000)
    assert.equal(exit.code, 0, run.output())
    assert.match(run.output(), /asked Razorpay about 1; 1 settled/)
    const state = await paymentState(order)
    assert.deepEqual(state.invoice, { status: 'paid', paid: invoice.totalPaise, due: 0 })
  }).timeout(90_000)
})
