import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import db from '@adonisjs/lucid/services/db'
import drive from '@adonisjs/drive/services/main'
import { QueueWorker } from '#core/queue/worker'
import type Organization from '#orgs/models/organization'
import type User from '#identity/models/user'
import BillingInvoice from '#billing/models/billing_invoice'
import BillingPayment from '#billing/models/billing_payment'
import BillingRefund from '#billing/models/billing_refund'
import StartInvoicePayment from '#billing/actions/start_invoice_payment'
import RefundPayment, { type RefundPaymentResult } from '#billing/actions/refund_payment'
import ReconcileRazorpay from '#billing/actions/reconcile_razorpay'
import { lineTax } from '#billing/services/gst'
import { removeOrgData } from '#tests/helpers/certificates_cleanup'
import { pdfText } from '#tests/helpers/billing'
import { waitFor } from '#tests/helpers/processes'
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
| Refunds (staff's action; their page comes later): partial or whole,
| never more than was captured less what was refunded, each under our
| idempotency key so a retry cannot refund twice, and each documented by
| a credit note once Razorpay has processed it.
*/

let standIn: RazorpayStandIn

/** An org whose October invoice was paid through Razorpay (captured, applied). */
async function givenPaidInvoice(name?: string) {
  const { org, owner, invoice } = await givenInvoicedOrg({ name })
  const started = await StartInvoicePayment.handle({
    org,
    actorUserId: null,
    invoiceId: invoice.id,
  })
  if (started.kind !== 'checkout') throw new Error(JSON.stringify(started))
  standIn.pay(started.order.razorpayOrderId, 'captured')
  await ReconcileRazorpay.handle()
  const payment = await BillingPayment.findByOrFail('order_id', started.order.id)
  return { org, owner, invoice, payment }
}

function refund(
  org: Organization,
  owner: User,
  payment: BillingPayment,
  options: { amountPaise?: number; key: string }
) {
  return RefundPayment.handle({
    org,
    actorUserId: owner.id,
    paymentId: payment.id,
    amountPaise: options.amountPaise,
    reason: 'Charged twice for October',
    idempotencyKey: options.key,
  })
}

function requested(result: RefundPaymentResult) {
  if (result.kind !== 'requested') throw new Error(`not requested: ${JSON.stringify(result)}`)
  return result.refund
}

/** Razorpay processes its refunds; the reconciliation (webhooks are off) applies them. */
async function processed() {
  await standIn.webhooksSettled()
  await ReconcileRazorpay.handle()
}

async function creditNotesOf(org: Organization) {
  return BillingInvoice.query()
    .where('organization_id', org.id)
    .where('kind', 'credit_note')
    .preload('items')
    .orderBy('invoice_number')
}

test.group('Refunding a payment', (group) => {
  group.setup(async () => {
    standIn = await startRazorpayStandIn({ keyId: KEY_ID, keySecret: KEY_SECRET })
    return () => standIn.close()
  })
  group.each.setup(() => testUtils.db().withGlobalTransaction())
  group.each.setup(() => {
    standIn.reset()
    standIn.configure({ webhookUrl: null, webhookSecret: null, refundOutcome: 'processed' })
    return useRazorpaySettings({ baseUrl: standIn.url, checkout: standIn.url })
  })

  test('part, then the rest: each its own credit note (XEN-<CODE>-C00001, C00002) for exactly its amount, tax split back at the invoice’s rate; more than is left is refused', async ({
    assert,
  }) => {
    const { org, owner, invoice, payment } = await givenPaidInvoice()
    const first = requested(
      await refund(org, owner, payment, { amountPaise: 20_000, key: 'refund-oct-0001' })
    )
    assert.equal(first.status, 'pending')
    assert.match(first.razorpayRefundId!, /^rfnd_/)
    const atRazorpay = standIn.state().refunds
    assert.deepEqual(
      atRazorpay.map((r) => [r.id, r.amount, r.payment_id, r.notes]),
      [
        [
          first.razorpayRefundId,
          20_000,
          payment.razorpayPaymentId,
          { authentix_refund_id: first.id },
        ],
      ]
    )

    const tooMuch = await refund(org, owner, payment, {
      amountPaise: invoice.totalPaise,
      key: 'refund-oct-0002',
    })
    assert.equal(tooMuch.kind, 'exceeds_refundable')
    if (tooMuch.kind === 'exceeds_refundable') {
      assert.equal(tooMuch.refundablePaise, invoice.totalPaise - 20_000)
      assert.match(
        tooMuch.message,
        new RegExp(`^Only ₹[\\d,]+\\.00 of payment ${payment.razorpayPaymentId} is left to refund`)
      )
    }

    await processed()
    await first.refresh()
    assert.equal(first.status, 'processed')
    const rest = requested(await refund(org, owner, payment, { key: 'refund-oct-0003' }))
    assert.equal(rest.amountPaise, invoice.totalPaise - 20_000)
    await processed()
    await payment.refresh()
    assert.equal(payment.status, 'refunded')
    assert.equal(payment.amountRefundedPaise, invoice.totalPaise)

    const none = await refund(org, owner, payment, { amountPaise: 100, key: 'refund-oct-0004' })
    assert.equal(none.kind, 'exceeds_refundable')
    if (none.kind === 'exceeds_refundable') assert.match(none.message, /refunded in full already/)

    const notes = await creditNotesOf(org)
    const { invoice_code: code } = await db.from('organizations').where('id', org.id).first()
    assert.deepEqual(
      notes.map((note) => [
        note.invoiceNumber,
        note.totalPaise,
        note.originalInvoiceId,
        note.status,
      ]),
      [
        [`XEN-${code}-C00001`, 20_000, invoice.id, 'issued'],
        [`XEN-${code}-C00002`, invoice.totalPaise - 20_000, invoice.id, 'issued'],
      ]
    )
    for (const note of notes) {
      const [line] = note.items
      assert.lengthOf(note.items, 1)
      assert.equal(line.description, `Refund of payment ${payment.razorpayPaymentId}`)
      assert.equal(line.gstRateBasisPoints, 1_800)
      assert.isAtLeast(line.amountPaise, 0)
      // The tax of the taxable value, as the invoice taxed it (Karnataka: CGST + SGST).
      const tax = lineTax(line.amountPaise, 1_800, true)
      assert.deepEqual(
        [note.cgstPaise, note.sgstPaise, note.igstPaise],
        [tax.cgstPaise, tax.sgstPaise, 0]
      )
      assert.equal(
        note.subtotalPaise + note.cgstPaise + note.sgstPaise + note.igstPaise + note.roundOffPaise,
        note.totalPaise
      )
      assert.isAtMost(Math.abs(note.roundOffPaise), 1)
      assert.deepEqual(note.recipient, invoice.recipient)
    }
    const refunds = await BillingRefund.query()
      .where('payment_id', payment.id)
      .orderBy('created_at')
    assert.deepEqual(
      refunds.map((r) => r.creditNoteId),
      notes.map((note) => note.id)
    )

    // Their PDFs, drawn by the invoices' job.
    await QueueWorker.drain({ lanes: 1 })
    const drawn = await BillingInvoice.findOrFail(notes[0].id)
    assert.isNotNull(drawn.pdfFileId)
    const file = await db.from('files').where('id', drawn.pdfFileId!).first()
    const text = pdfText(await drive.use().getBytes(file.path))
    assert.include(text, 'CREDIT NOTE')
    assert.include(text, `XEN-${code}-C00001`)
    assert.match(text, new RegExp(`Against invoice\\s+${invoice.invoiceNumber}`))
    assert.include(text, 'Total credited (INR)')
    // The line as drawn (a long id may wrap in its column; the stored line is checked above).
    assert.include(text, 'Refund of payment')
  }).timeout(60_000)

  test('the same idempotency key again answers the same refund; with another amount it is refused', async ({
    assert,
  }) => {
    const { org, owner, payment } = await givenPaidInvoice()
    const first = requested(
      await refund(org, owner, payment, { amountPaise: 10_000, key: 'same-key-00001' })
    )
    const again = await refund(org, owner, payment, { amountPaise: 10_000, key: 'same-key-00001' })
    assert.equal(again.kind, 'requested')
    if (again.kind === 'requested') {
      assert.equal(again.refund.id, first.id)
      assert.isTrue(again.repeated)
    }
    const other = await refund(org, owner, payment, { amountPaise: 5_000, key: 'same-key-00001' })
    assert.equal(other.kind, 'key_reused')
    if (other.kind === 'key_reused') {
      assert.equal(
        other.message,
        'The idempotency key same-key-00001 was used for another refund (₹100.00); a new refund needs a new key.'
      )
    }
    assert.lengthOf(standIn.state().refunds, 1)
    await processed()
    assert.lengthOf(await creditNotesOf(org), 1)
    await payment.refresh()
    assert.equal(payment.amountRefundedPaise, 10_000)
  })

  test('an answer lost in a timeout: the refund waits pending; the same key again finishes it with the refund Razorpay made, once', async ({
    assert,
  }) => {
    const { org, owner, payment } = await givenPaidInvoice()
    const restore = useRazorpaySettings({
      baseUrl: standIn.url,
      checkout: standIn.url,
      timeoutMs: 150,
    })
    standIn.configure({ responseDelayMs: 600 })
    let lost: RefundPaymentResult
    try {
      lost = await refund(org, owner, payment, { amountPaise: 15_000, key: 'lost-answer-0001' })
    } finally {
      restore()
      standIn.configure({ responseDelayMs: 0 })
    }
    assert.equal(lost.kind, 'in_doubt')
    if (lost.kind === 'in_doubt') {
      assert.match(lost.message, /did not answer within 0.15 seconds when asked to refund payment/)
      assert.isNull(lost.refund.razorpayRefundId)
      assert.equal(lost.refund.status, 'pending')
    }
    // Razorpay made it all the same, once its slow answer was done.
    await waitFor('the refund at Razorpay', () => standIn.state().refunds.length === 1, 10_000)

    const finished = requested(
      await refund(org, owner, payment, { amountPaise: 15_000, key: 'lost-answer-0001' })
    )
    assert.equal(finished.razorpayRefundId, standIn.state().refunds[0].id)
    assert.lengthOf(standIn.state().refunds, 1)
    await payment.refresh()
    assert.equal(payment.amountRefundedPaise, 15_000)
  })

  test('a refund that fails at Razorpay gives its amount back and issues no credit note; one Razorpay refuses outright is failed with its reason', async ({
    assert,
  }) => {
    const { org, owner, invoice, payment } = await givenPaidInvoice()
    standIn.configure({ refundOutcome: 'failed' })
    const failing = requested(
      await refund(org, owner, payment, { amountPaise: 30_000, key: 'fails-later-0001' })
    )
    await processed()
    await failing.refresh()
    assert.equal(failing.status, 'failed')
    assert.equal(failing.error, 'Razorpay reports that the refund failed.')
    await payment.refresh()
    assert.deepEqual([payment.amountRefundedPaise, payment.status], [0, 'captured'])
    assert.lengthOf(await creditNotesOf(org), 0)

    // Refunded at Razorpay's dashboard meanwhile: Razorpay now refuses what we still think is left.
    standIn.configure({ refundOutcome: 'processed' })
    await fetch(`${standIn.url}/v1/payments/${payment.razorpayPaymentId}/refund`, {
      method: 'POST',
      headers: {
        'Authorization': `Basic ${Buffer.from(`${KEY_ID}:${KEY_SECRET}`).toString('base64')}`,
        'Content-Type': 'application/json',
      },
      body: JSON.stringify({ amount: invoice.totalPaise - 1_000 }),
    })
    const refused = await refund(org, owner, payment, {
      amountPaise: 5_000,
      key: 'refused-now-0001',
    })
    assert.equal(refused.kind, 'refused')
    if (refused.kind === 'refused') {
      assert.match(
        refused.message,
        /^Razorpay refused to refund payment pay_\w+: The refund amount provided is greater than the amount captured and not yet refunded/
      )
      assert.equal(refused.refund.status, 'failed')
    }
    await payment.refresh()
    assert.equal(payment.amountRefundedPaise, 0)
  })

  test('what cannot be refunded says why: a malformed key, a fraction or less than ₹1, a payment not captured, another org’s payment, no keys', async ({
    assert,
  }) => {
    const { org, owner, payment } = await givenPaidInvoice()
    assert.deepInclude(await refund(org, owner, payment, { key: 'short' }), { kind: 'invalid_key' })
    assert.deepInclude(await refund(org, owner, payment, { key: 'with spaces in it' }), {
      kind: 'invalid_key',
    })
    const fraction = await refund(org, owner, payment, { amountPaise: 150.5, key: 'fraction-0001' })
    assert.deepEqual(fraction, {
      kind: 'invalid_amount',
      message: 'A refund is a whole number of paise, at least ₹1.00; not 150.5.',
    })
    assert.deepInclude(
      await refund(org, owner, payment, { amountPaise: 99, key: 'tiny-00000001' }),
      {
        kind: 'invalid_amount',
      }
    )

    await db.from('billing_payments').where('id', payment.id).update({ status: 'failed' })
    const notCaptured = await refund(org, owner, payment, { key: 'not-captured-01' })
    assert.equal(notCaptured.kind, 'not_captured')
    await db.from('billing_payments').where('id', payment.id).update({ status: 'captured' })

    const stranger = await givenInvoicedOrg()
    const theirs = await RefundPayment.handle({
      org: stranger.org,
      actorUserId: stranger.owner.id,
      paymentId: payment.id,
      reason: 'Not theirs',
      idempotencyKey: 'stranger-00001',
    })
    assert.deepEqual(theirs, { kind: 'not_found' })

    const restore = useRazorpaySettings({ configured: false })
    try {
      assert.deepEqual(await refund(org, owner, payment, { key: 'no-keys-000001' }), {
        kind: 'not_configured',
      })
    } finally {
      restore()
    }
    assert.lengthOf(standIn.state().refunds, 0)
    assert.lengthOf(await BillingRefund.query().where('payment_id', payment.id), 0)
  })

  test('with webhooks on, duplicated: refund.created and refund.processed apply it, one credit note', async ({
    assert,
  }) => {
    const { org, owner, payment } = await givenPaidInvoice()
    standIn.configure({
      webhookUrl: `${appBaseUrl()}/webhooks/razorpay`,
      webhookSecret: WEBHOOK_SECRET,
      duplicates: 2,
    })
    const made = requested(
      await refund(org, owner, payment, { amountPaise: 12_300, key: 'by-webhook-0001' })
    )
    await standIn.webhooksSettled()
    await QueueWorker.drain({ lanes: 2 })
    const events = await db
      .from('billing_provider_events')
      .whereIn('event', ['refund.created', 'refund.processed'])
      .orderBy('received_at')
    assert.deepEqual(
      events.map((event) => [event.event, event.status]),
      [
        ['refund.created', 'applied'],
        ['refund.processed', 'applied'],
      ]
    )
    await made.refresh()
    assert.equal(made.status, 'processed')
    const notes = await creditNotesOf(org)
    assert.lengthOf(notes, 1)
    assert.equal(notes[0].totalPaise, 12_300)
    assert.equal(made.creditNoteId, notes[0].id)
  })
})

test.group('Refunding a payment: the same key at once (committed)', (group) => {
  const orgs: Organization[] = []
  group.setup(async () => {
    standIn = await startRazorpayStandIn({ keyId: KEY_ID, keySecret: KEY_SECRET })
    return () => standIn.close()
  })
  group.each.setup(() => {
    standIn.reset()
    return useRazorpaySettings({ baseUrl: standIn.url, checkout: standIn.url })
  })
  group.each.teardown(async () => {
    for (const org of orgs.splice(0)) {
      await removeOrgData(org.id)
      await db
        .from('organizations')
        .where('id', org.id)
        .update({ deleted_at: '2000-01-01 00:00:00' })
    }
  })

  test('five requests with one key at once make one refund; five with keys of their own for more than is left are refused beyond it', async ({
    assert,
  }) => {
    const { org, owner, invoice, payment } = await givenPaidInvoice('Refunded at once')
    orgs.push(org)
    const sameKey = await Promise.all(
      Array.from({ length: 5 }, () =>
        refund(org, owner, payment, { amountPaise: 10_000, key: 'at-once-key-0001' })
      )
    )
    assert.lengthOf(standIn.state().refunds, 1)
    assert.lengthOf(await BillingRefund.query().where('payment_id', payment.id), 1)
    for (const result of sameKey) assert.oneOf(result.kind, ['requested', 'in_doubt'])

    // The rest, in parts that together ask for more than is left: the lock lets only what fits through.
    const part = Math.ceil((invoice.totalPaise - 10_000) / 3)
    const parts = await Promise.all(
      Array.from({ length: 5 }, (_, n) =>
        refund(org, owner, payment, { amountPaise: part, key: `at-once-part-000${n}` })
      )
    )
    const kinds = parts.map((result) => result.kind).sort()
    assert.deepEqual(kinds, [
      'exceeds_refundable',
      'exceeds_refundable',
      'exceeds_refundable',
      'requested',
      'requested',
    ])
    await payment.refresh()
    assert.equal(payment.amountRefundedPaise, 10_000 + 2 * part)
    assert.isAtMost(payment.amountRefundedPaise, invoice.totalPaise)
    const atRazorpay = standIn.state().refunds.reduce((sum, r) => sum + r.amount, 0)
    assert.equal(atRazorpay, payment.amountRefundedPaise)
  }).timeout(60_000)

  test('its processing applied twenty times at once, as webhook events (order → payment → refund) and as the reconciliation does (payment → refund): one credit note, no deadlock', async ({
    assert,
  }) => {
    const { applyRazorpayEvent, applyRazorpayRefund } =
      await import('#billing/actions/apply_razorpay_entities')
    const { org, owner, payment } = await givenPaidInvoice('Refund applied at once')
    orgs.push(org)
    const made = requested(
      await refund(org, owner, payment, { amountPaise: 25_000, key: 'applied-at-once-1' })
    )
    await standIn.webhooksSettled()
    const processedRefund = standIn.state().refunds.find((r) => r.id === made.razorpayRefundId)!
    const paymentEntity = standIn.state().payments.find((p) => p.id === payment.razorpayPaymentId)!
    assert.equal(processedRefund.status, 'processed')
    const envelope = {
      entity: 'event',
      event: 'refund.processed',
      contains: ['refund', 'payment'],
      payload: { refund: { entity: processedRefund }, payment: { entity: paymentEntity } },
      created_at: Math.floor(Date.now() / 1000),
    }
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, (_, n) =>
        db.transaction((trx) =>
          n % 2
            ? applyRazorpayEvent(trx, envelope)
            : applyRazorpayRefund(trx, processedRefund as never)
        )
      )
    )
    assert.lengthOf(
      outcomes.filter((outcome) => outcome.kind === 'applied' && outcome.changed),
      1
    )
    await made.refresh()
    assert.equal(made.status, 'processed')
    const notes = await creditNotesOf(org)
    assert.lengthOf(notes, 1)
    assert.equal(made.creditNoteId, notes[0].id)
  }).timeout(60_000)
})
