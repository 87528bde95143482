import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import db from '@adonisjs/lucid/services/db'
import drive from '@adonisjs/drive/services/main'
import type { ApiClient } from '@japa/api-client'
import { DateTime } from 'luxon'
import { QueueWorker } from '#core/queue/worker'
import type Organization from '#orgs/models/organization'
import type User from '#identity/models/user'
import BillingInvoice from '#billing/models/billing_invoice'
import BillingOrder from '#billing/models/billing_order'
import BillingPayment from '#billing/models/billing_payment'
import StartTopUp from '#billing/actions/start_top_up'
import ReconcileRazorpay from '#billing/actions/reconcile_razorpay'
import RefundPayment from '#billing/actions/refund_payment'
import CloseBillingPeriod from '#billing/actions/close_billing_period'
import { billingMonthNamed } from '#billing/services/billing_periods'
import { prepaidBalancePaise } from '#billing/services/advances'
import { billingOverview } from '#billing/queries/billing_overview'
import OrgLedger from '#billing/queries/org_ledger'
import { splitTaxInclusive } from '#billing/services/credit_note_amounts'
import { actingAs, givenMember, givenOrg } from '#tests/helpers/given'
import { givenApiKey } from '#tests/helpers/api_keys'
import { billingProfile, issuedAt, pdfText } from '#tests/helpers/billing'
import { fieldErrorOf, flashOf } from '#tests/helpers/orgs'
import {
  appBaseUrl,
  givenInvoicedOrg,
  KEY_ID,
  KEY_SECRET,
  useRazorpaySettings,
  WEBHOOK_SECRET,
} from '#tests/helpers/razorpay'
import { type RazorpayStandIn, startRazorpayStandIn } from '../../../stand_ins/razorpay.js'

/*
| The prepaid balance: a top-up through Razorpay (the stand-in), documented
| by a receipt voucher with its GST worked back from the amount paid, which
| pays the org's invoices before anything else, whether they are open when
| it arrives or issued later by the billing run; refunded only as far as it
| is unspent, by a refund voucher.
*/

let standIn: RazorpayStandIn

/** A top-up of `rupees` paid at Razorpay and settled by the reconciliation (webhooks off). */
async function toppedUp(org: Organization, rupees: number) {
  const started = await StartTopUp.handle({ org, actorUserId: null, amountPaise: rupees * 100 })
  if (started.kind !== 'checkout') throw new Error(JSON.stringify(started))
  standIn.pay(started.order.razorpayOrderId, 'captured')
  await ReconcileRazorpay.handle()
  const payment = await BillingPayment.findByOrFail('order_id', started.order.id)
  return { order: started.order, payment }
}

async function vouchersOf(org: Organization) {
  return BillingInvoice.query()
    .where('organization_id', org.id)
    .where('kind', 'receipt_voucher')
    .preload('items')
    .orderBy('invoice_number')
}

async function pdfOf(invoice: BillingInvoice) {
  await invoice.refresh()
  if (!invoice.pdfFileId) throw new Error(`${invoice.invoiceNumber} has no PDF yet`)
  const file = await db.from('files').where('id', invoice.pdfFileId).first()
  return pdfText(await drive.use().getBytes(file.path))
}

function startTopUp(client: ApiClient, user: User, org: Organization, amount: unknown) {
  return actingAs(client.post('/billing/top-ups'), user, org)
    .form({ amount_rupees: amount })
    .withCsrfToken()
    .redirects(0)
}

test.group('Prepaid balance', (group) => {
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

  test('an owner in the trial tops up ₹1,000: the order has no invoice, the payment gets a receipt voucher with CGST + SGST worked back from the amount, the org is active, the page shows the balance', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg({ billing: 'trialing' })
    await billingProfile(org, {
      createdAt: DateTime.utc().minus({ days: 2 }).toISO()!,
      state: 'Karnataka',
    })
    await org.refresh()
    assert.equal(org.billingStatus, 'trialing')

    const started = await startTopUp(client, owner, org, '1000')
    started.assertStatus(303)
    const order = await BillingOrder.query().where('organization_id', org.id).firstOrFail()
    assert.equal(order.purpose, 'top_up')
    assert.isNull(order.invoiceId)
    assert.equal(order.amountPaise, 100_000)
    assert.equal(new URL(started.header('location')!).origin, standIn.url)
    // Clicked twice: the same order.
    await startTopUp(client, owner, org, '1000')
    assert.lengthOf(await BillingOrder.query().where('organization_id', org.id), 1)

    standIn.pay(order.razorpayOrderId, 'captured')
    await ReconcileRazorpay.handle()
    await ReconcileRazorpay.handle()
    const [voucher, ...others] = await vouchersOf(org)
    assert.lengthOf(others, 0)
    await org.refresh()
    assert.equal(org.billingStatus, 'active')
    assert.match(voucher.invoiceNumber, new RegExp(`^XEN-${org.invoiceCode}-R00001$`))
    assert.equal(voucher.status, 'paid')
    assert.equal(voucher.totalPaise, 100_000)
    assert.equal(voucher.amountDuePaise, 0)
    assert.isTrue(voucher.intraState)
    // ₹1,000 with 18% inside: 847.46 taxable, 76.27 CGST and SGST.
    assert.deepEqual(
      [voucher.subtotalPaise, voucher.cgstPaise, voucher.sgstPaise, voucher.igstPaise],
      [84_746, 7_627, 7_627, 0]
    )
    assert.equal(voucher.subtotalPaise + voucher.cgstPaise + voucher.sgstPaise, 100_000)
    assert.deepEqual(
      voucher.items.map((item) => [item.lineItemType, item.totalPaise]),
      [['advance', 100_000]]
    )
    const payment = await BillingPayment.findByOrFail('order_id', order.id)
    assert.equal(payment.receiptVoucherId, voucher.id)
    assert.equal(await prepaidBalancePaise(db.connection(), org.id), 100_000)

    await QueueWorker.drain({ lanes: 2 })
    const text = await pdfOf(voucher)
    assert.include(text, 'RECEIPT VOUCHER')
    assert.include(text, voucher.invoiceNumber)
    assert.include(text, 'Received from')
    assert.include(text, 'Advance received (INR)')
    assert.include(text, '1,000.00')
    assert.include(text, '847.46')
    assert.include(text, payment.razorpayPaymentId)
    assert.include(text, 'rule 50')
    const notices = await db.from('billing_invoice_notices').where('invoice_id', voucher.id)
    assert.deepEqual(
      notices.map((notice) => notice.kind),
      ['invoice_issued']
    )

    const page = await actingAs(client.get('/billing'), owner, org)
    page.assertStatus(200)
    assert.match(page.text(), /id="prepaid-balance">₹1,000\.00</)
    assert.include(page.text(), `data-invoice="${voucher.invoiceNumber}"`)
    assert.include(page.text(), 'Receipt voucher</span>')
  })

  test('an advance pays the open invoice at once, in part and then in full, and the rest pays the next invoice the run issues; its PDF names the vouchers', async ({
    assert,
  }) => {
    const { org, invoice } = await givenInvoicedOrg()
    const total = invoice.totalPaise
    assert.isAbove(total, 30_000)

    await toppedUp(org, 300)
    await invoice.refresh()
    assert.deepEqual(
      [invoice.status, invoice.amountPaidPaise, invoice.amountDuePaise],
      ['partially_paid', 30_000, total - 30_000]
    )
    assert.equal(await prepaidBalancePaise(db.connection(), org.id), 0)

    await toppedUp(org, 1000)
    await invoice.refresh()
    assert.deepEqual(
      [invoice.status, invoice.amountPaidPaise, invoice.amountDuePaise],
      ['paid', total, 0]
    )
    const left = 130_000 - total
    assert.equal(await prepaidBalancePaise(db.connection(), org.id), left)
    // The account statement agrees: two top-ups in, the invoice out.
    const overview = await billingOverview(org)
    assert.equal(overview.balancePaise, left)
    const vouchers = await vouchersOf(org)
    const allocations = await db
      .from('billing_advance_allocations')
      .where('organization_id', org.id)
      .orderBy('created_at')
      .select('receipt_voucher_id', 'invoice_id', 'amount_paise')
    assert.deepEqual(
      allocations.map((row) => [row.receipt_voucher_id, row.invoice_id, Number(row.amount_paise)]),
      [
        [vouchers[0].id, invoice.id, 30_000],
        [vouchers[1].id, invoice.id, total - 30_000],
      ]
    )

    // November: 40 certificates, more than what is left of the advance.
    await issuedAt(org, '2026-11-10T08:00:00Z', 40)
    await org.refresh()
    const closed = await CloseBillingPeriod.handle(org, billingMonthNamed('2026-11')!)
    if (closed.kind !== 'invoiced') throw new Error(JSON.stringify(closed))
    const november = await BillingInvoice.findOrFail(closed.invoiceId)
    assert.isAbove(november.totalPaise, left)
    assert.deepEqual(
      [november.status, november.amountPaidPaise, november.amountDuePaise],
      ['partially_paid', left, november.totalPaise - left]
    )
    assert.equal(await prepaidBalancePaise(db.connection(), org.id), 0)

    await QueueWorker.drain({ lanes: 2 })
    const text = await pdfOf(november)
    assert.include(text, `Paid from advance ${vouchers[1].invoiceNumber}`)
    assert.include(text, 'Amount due (INR)')
    // The run again: nothing new, nothing paid twice.
    const again = await CloseBillingPeriod.handle(org, billingMonthNamed('2026-11')!)
    assert.equal(again.kind, 'already_closed')
    const allocated = await db
      .from('billing_advance_allocations')
      .where('organization_id', org.id)
      .sum('amount_paise as paise')
      .first()
    assert.equal(Number(allocated.paise), 130_000)
  })

  test('webhooks duplicated and reordered with the reconciliation beside them: one payment, one receipt voucher, the series at 1; the API shows the prepaid balance', async ({
    client,
    assert,
  }) => {
    standIn.configure({
      webhookUrl: `${appBaseUrl()}/webhooks/razorpay`,
      webhookSecret: WEBHOOK_SECRET,
      duplicates: 3,
      reorder: true,
    })
    const { org } = await givenOrg()
    await billingProfile(org, { createdAt: '2026-11-20T10:00:00Z', state: 'Maharashtra' })
    await org.refresh()
    const started = await StartTopUp.handle({ org, actorUserId: null, amountPaise: 250_000 })
    if (started.kind !== 'checkout') throw new Error(JSON.stringify(started))
    standIn.pay(started.order.razorpayOrderId, 'captured')
    await Promise.all([standIn.webhooksSettled(), ReconcileRazorpay.handle()])
    await QueueWorker.drain({ lanes: 2 })
    await ReconcileRazorpay.handle()

    assert.lengthOf(await BillingPayment.query().where('order_id', started.order.id), 1)
    const vouchers = await vouchersOf(org)
    assert.lengthOf(vouchers, 1)
    const counter = await db
      .from('billing_invoice_counters')
      .where({ organization_id: org.id, series: 'receipt_voucher' })
      .first()
    assert.equal(Number(counter.last_number), 1)
    // Karnataka supplies Maharashtra: IGST, worked back from ₹2,500.
    const split = splitTaxInclusive(250_000, 1_800, false)
    assert.isFalse(vouchers[0].intraState)
    assert.deepEqual(
      [vouchers[0].subtotalPaise, vouchers[0].igstPaise, vouchers[0].cgstPaise],
      [split.taxablePaise, split.igstPaise, 0]
    )
    assert.equal(await prepaidBalancePaise(db.connection(), org.id), 250_000)

    // Through the API: the prepaid balance, and the voucher among the org's documents.
    const { secret } = await givenApiKey(org)
    const account = await client.get('/api/v1/billing').bearerToken(secret)
    account.assertStatus(200)
    assert.equal(account.body().status, 'active')
    assert.equal(account.body().prepaid_balance_paise, 250_000)
    assert.equal(account.body().balance_paise, 250_000)
    const listed = await client.get('/api/v1/invoices?kind=receipt_voucher').bearerToken(secret)
    assert.deepEqual(
      listed.body().data.map((each: { number: string }) => each.number),
      [vouchers[0].invoiceNumber]
    )
  })

  test('a top-up is refunded only as far as it has not paid invoices, by a refund voucher against its receipt voucher', async ({
    assert,
  }) => {
    const { org, owner, invoice } = await givenInvoicedOrg()
    const { payment } = await toppedUp(org, 1000)
    const unspent = 100_000 - invoice.totalPaise
    const [voucher] = await vouchersOf(org)

    const tooMuch = await RefundPayment.handle({
      org,
      actorUserId: owner.id,
      paymentId: payment.id,
      amountPaise: 100_000,
      reason: 'Closing the account',
      idempotencyKey: 'refund-top-up-0001',
    })
    assert.equal(tooMuch.kind, 'exceeds_refundable')
    if (tooMuch.kind === 'exceeds_refundable') {
      assert.equal(tooMuch.refundablePaise, unspent)
      assert.match(tooMuch.message, /The rest of this top-up has paid invoices already\.$/)
    }

    const refunded = await RefundPayment.handle({
      org,
      actorUserId: owner.id,
      paymentId: payment.id,
      reason: 'Closing the account',
      idempotencyKey: 'refund-top-up-0002',
    })
    assert.equal(refunded.kind, 'requested')
    assert.equal(await prepaidBalancePaise(db.connection(), org.id), 0)
    await standIn.webhooksSettled()
    await ReconcileRazorpay.handle()

    const note = await BillingInvoice.query()
      .where('organization_id', org.id)
      .where('kind', 'credit_note')
      .firstOrFail()
    assert.equal(note.originalInvoiceId, voucher.id)
    assert.equal(note.totalPaise, unspent)
    await QueueWorker.drain({ lanes: 2 })
    const text = await pdfOf(note)
    assert.include(text, 'REFUND VOUCHER')
    // Nothing left in the account: the refund voucher documents the refund, which is the money.
    const overview = await billingOverview(org)
    assert.equal(overview.balancePaise, 0)
    const statement = await OrgLedger.page(org, { page: 1, perPage: 20 })
    assert.deepEqual(
      statement.entries.map((entry) => [entry.kind, entry.movesBalance]),
      [
        ['credit_note', false],
        ['refund', true],
        ['top_up', true],
        ['invoice', true],
      ]
    )
    assert.include(text, `Against receipt voucher`)
    assert.include(text, voucher.invoiceNumber)
  })

  test('the form refuses an amount out of range, in paise, or not a number, with the reason; a member without billing.manage gets a 403; without Razorpay keys it says so', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    for (const [amount, message] of [
      ['100', 'A top-up is at least ₹500.00.'],
      ['600000', 'A top-up is at most ₹5,00,000.00; for more, top up again.'],
      ['1000.50', 'Top-ups are in whole rupees: leave out the paise.'],
      ['lots', 'Enter the amount in rupees as a number, between ₹500.00 and ₹5,00,000.00.'],
    ]) {
      const refused = await startTopUp(client, owner, org, amount)
      refused.assertStatus(302)
      assert.equal(fieldErrorOf(refused, 'amount_rupees'), message, amount)
    }
    assert.lengthOf(await BillingOrder.query().where('organization_id', org.id), 0)

    const { user: admin } = await givenMember(org, 'admin')
    const forbidden = await startTopUp(client, admin, org, '1000')
    forbidden.assertStatus(403)

    restore()
    restore = useRazorpaySettings({ configured: false })
    const unconfigured = await startTopUp(client, owner, org, '1000')
    unconfigured.assertStatus(302)
    assert.match(flashOf(unconfigured, 'error'), /^Paying online is not set up here yet/)
    assert.lengthOf(await BillingOrder.query().where('organization_id', org.id), 0)
    // And the page has no form for it.
    const page = await actingAs(client.get('/billing'), owner, org)
    assert.notInclude(page.text(), 'id="top-up"')
    assert.include(page.text(), 'id="prepaid-balance"')
  })
})
