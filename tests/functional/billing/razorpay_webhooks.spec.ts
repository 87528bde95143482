import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import db from '@adonisjs/lucid/services/db'
import { QueueWorker } from '#core/queue/worker'
import type BillingOrder from '#billing/models/billing_order'
import type Organization from '#orgs/models/organization'
import { removeOrgData } from '#tests/helpers/certificates_cleanup'
import {
  dueOn,
  eventOf,
  givenInvoicedOrg,
  givenOrder,
  orderEntity,
  paymentEntity,
  paymentState,
  postWebhook,
  signedWebhook,
  useRazorpaySettings,
  WEBHOOK_SECRET,
} from '#tests/helpers/razorpay'
import { type RazorpayEvent, razorpaySignature } from '../../../stand_ins/razorpay.js'

/*
| POST /webhooks/razorpay: signed over the raw body, stored once per event,
| replays refused, applied by a queue job idempotently and in any order; a
| captured payment credits its invoice exactly once.
*/

const drain = () => QueueWorker.drain({ lanes: 1 })

async function statusOf(webhook: Parameters<typeof postWebhook>[0]) {
  const answer = await postWebhook(webhook)
  return answer.status
}

async function invoiceState(order: BillingOrder) {
  const state = await paymentState(order)
  return state.invoice
}

async function paymentsOf(order: BillingOrder) {
  const state = await paymentState(order)
  return state.payments
}

async function billingStatusOf(order: BillingOrder) {
  const state = await paymentState(order)
  return state.billingStatus
}

async function eventRows(eventIds: string[]) {
  return db.from('billing_provider_events').whereIn('event_id', eventIds).orderBy('received_at')
}

/** Every ordering of a list. */
function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items]
  return items.flatMap((item, index) =>
    permutations([...items.slice(0, index), ...items.slice(index + 1)]).map((rest) => [
      item,
      ...rest,
    ])
  )
}

test.group('Razorpay webhooks: what is stored', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())
  group.each.setup(() => useRazorpaySettings({}))

  test('a bad or missing signature answers 401 and stores nothing; without a webhook secret nothing is accepted', async ({
    assert,
  }) => {
    const { org, invoice } = await givenInvoicedOrg()
    const order = await givenOrder(org, invoice)
    const event = eventOf({ event: 'payment.captured', payment: paymentEntity(order, 'captured') })
    const forged = signedWebhook(event, { secret: 'not-the-webhook-secret' })
    const answer = await postWebhook(forged)
    assert.equal(answer.status, 401)
    assert.equal(answer.body.errors[0].code, 'E_BAD_SIGNATURE')
    assert.match(answer.body.errors[0].message, /does not match/)

    const good = signedWebhook(event)
    const unsigned = await postWebhook({ raw: good.raw, eventId: good.eventId })
    assert.equal(unsigned.status, 401)
    assert.match(unsigned.body.errors[0].message, /missing/)
    // The body changed by one byte after signing.
    const tampered = await postWebhook({
      ...good,
      raw: good.raw.replace('"captured"', '"captured" '),
    })
    assert.equal(tampered.status, 401)

    const restore = useRazorpaySettings({ webhookSecret: '' })
    try {
      const unconfigured = await postWebhook(good)
      assert.equal(unconfigured.status, 401)
      assert.match(unconfigured.body.errors[0].message, /RAZORPAY_WEBHOOK_SECRET/)
    } finally {
      restore()
    }
    assert.lengthOf(await db.from('billing_provider_events'), 0)
    await drain()
    assert.deepEqual(await paymentsOf(order), [])
  })

  test('a replay whose envelope is older than the window is refused (400) and not applied; one just inside it is taken', async ({
    assert,
  }) => {
    const { org, invoice } = await givenInvoicedOrg()
    const order = await givenOrder(org, invoice)
    const now = Math.floor(Date.now() / 1000)
    const payment = paymentEntity(order, 'captured')
    const stale = signedWebhook(
      eventOf({ event: 'payment.captured', payment, createdAt: now - 24 * 3600 - 60 })
    )
    const refused = await postWebhook(stale)
    assert.equal(refused.status, 400)
    assert.equal(refused.body.errors[0].code, 'E_EVENT_TOO_OLD')
    assert.match(refused.body.errors[0].message, /24 h 1 min ago.*replay/)
    await drain()
    assert.lengthOf(await eventRows([stale.eventId]), 0)
    assert.include(await invoiceState(order), { paid: 0 })

    const future = await postWebhook(
      signedWebhook(eventOf({ event: 'payment.captured', payment, createdAt: now + 3600 }))
    )
    assert.equal(future.status, 400)
    assert.equal(future.body.errors[0].code, 'E_EVENT_FROM_FUTURE')

    const late = signedWebhook(
      eventOf({ event: 'payment.captured', payment, createdAt: now - 23 * 3600 })
    )
    assert.equal(await statusOf(late), 200)
    await drain()
    assert.include(await invoiceState(order), { status: 'paid' })
  })

  test('a duplicate event id is stored once; the same signed body under another event id is the same event', async ({
    assert,
  }) => {
    const { org, invoice } = await givenInvoicedOrg()
    const order = await givenOrder(org, invoice)
    const webhook = signedWebhook(
      eventOf({ event: 'payment.captured', payment: paymentEntity(order, 'captured') })
    )
    const first = await postWebhook(webhook)
    assert.deepEqual([first.status, first.body], [200, { stored: true, duplicate: false }])
    const again = await postWebhook(webhook)
    assert.deepEqual([again.status, again.body], [200, { stored: false, duplicate: true }])
    const renamed = await postWebhook({ ...webhook, eventId: 'AnotherEventId01' })
    assert.deepEqual(renamed.body, { stored: false, duplicate: true })
    const rows = await db.from('billing_provider_events')
    assert.lengthOf(rows, 1)
    assert.equal(rows[0].event_id, webhook.eventId)
    assert.equal(rows[0].event, 'payment.captured')
    assert.equal(rows[0].status, 'received')
    // Stored raw: what was signed is what is kept.
    const payload =
      typeof rows[0].payload === 'string' ? rows[0].payload : JSON.stringify(rows[0].payload)
    assert.deepEqual(JSON.parse(payload), JSON.parse(webhook.raw))
    const jobs = await db.from('queue_jobs').where('kind', 'billing.apply_razorpay_event')
    assert.lengthOf(jobs, 1)

    await drain()
    const applied = await db.from('billing_provider_events').where('id', rows[0].id).first()
    assert.equal(applied.status, 'applied')
    assert.equal(applied.organization_id, org.id)
    assert.isNotNull(applied.applied_at)
  })

  test('bad requests say what is wrong: no event id, not JSON, not an event', async ({
    assert,
  }) => {
    const noId = signedWebhook(eventOf({ event: 'payment.captured' }))
    const missingId = await postWebhook({ raw: noId.raw, signature: noId.signature })
    assert.equal(missingId.status, 400)
    assert.equal(missingId.body.errors[0].code, 'E_EVENT_ID')

    const notJson = 'not json'
    const answer = await postWebhook({
      raw: notJson,
      eventId: 'evt0000000001',
      signature: razorpaySignature(notJson, WEBHOOK_SECRET),
    })
    // Sent as JSON, the body parser refuses it (422) before the controller reads the raw body.
    assert.equal(answer.status, 422)
    assert.match(answer.body.text, /Invalid JSON/i)
    const asText = await postWebhook(
      {
        raw: notJson,
        eventId: 'evt0000000003',
        signature: razorpaySignature(notJson, WEBHOOK_SECRET),
      },
      { 'Content-Type': 'text/plain' }
    )
    assert.equal(asText.status, 400)
    assert.equal(asText.body.errors[0].code, 'E_BAD_JSON')
    const notEvent = JSON.stringify({ entity: 'payment', id: 'pay_1' })
    const refused = await postWebhook({
      raw: notEvent,
      eventId: 'evt0000000002',
      signature: razorpaySignature(notEvent, WEBHOOK_SECRET),
    })
    assert.equal(refused.status, 400)
    assert.equal(refused.body.errors[0].code, 'E_BAD_ENVELOPE')
    assert.lengthOf(await db.from('billing_provider_events'), 0)
  })

  test('an event of an order not ours, and an event we do not act on, are stored and ignored with the reason', async ({
    assert,
  }) => {
    const { org, invoice } = await givenInvoicedOrg()
    const order = await givenOrder(org, invoice)
    const stranger = paymentEntity(order, 'captured')
    stranger.order_id = 'order_NotOursAtAll01'
    const foreign = signedWebhook(eventOf({ event: 'payment.captured', payment: stranger }))
    const other = signedWebhook({
      ...eventOf({ event: 'payment.captured' }),
      event: 'payment.dispute.created',
    } as unknown as RazorpayEvent)
    assert.equal(await statusOf(foreign), 200)
    assert.equal(await statusOf(other), 200)
    await drain()
    const rows = await eventRows([foreign.eventId, other.eventId])
    assert.deepEqual(
      rows.map((row) => [row.status, row.organization_id, row.error]),
      [
        [
          'ignored',
          null,
          `payment ${stranger.id} is for order_NotOursAtAll01, not an order of ours`,
        ],
        ['ignored', null, 'Authentix does not act on payment.dispute.created'],
      ]
    )
    assert.include(await invoiceState(order), { paid: 0 })
  })
})

test.group('Razorpay webhooks: applied in any order, credited once', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())
  group.each.setup(() => useRazorpaySettings({}))

  test('one payment.captured delivered 1,000 times one after another: one event, one payment, the invoice credited once', async ({
    assert,
  }) => {
    const { org, invoice } = await givenInvoicedOrg()
    const order = await givenOrder(org, invoice)
    const webhook = signedWebhook(
      eventOf({ event: 'payment.captured', payment: paymentEntity(order, 'captured') })
    )
    const answers: number[] = []
    for (let n = 0; n < 1_000; n++) {
      answers.push(await statusOf(webhook))
      // Applied after the first copies, before the rest: later copies find it applied.
      if (n === 10) await drain()
    }
    assert.deepEqual([...new Set(answers)], [200])
    await drain()
    assert.lengthOf(await eventRows([webhook.eventId]), 1)
    const state = await paymentState(order)
    assert.deepEqual(state.payments, [
      { status: 'captured', amount: invoice.totalPaise, captured: true },
    ])
    assert.deepEqual(state.invoice, { status: 'paid', paid: invoice.totalPaise, due: 0 })
    assert.equal(state.order, 'paid')
    assert.equal(state.audits, 1)
  }).timeout(120_000)

  test('every ordering of authorized, captured, order.paid and a stray failed for the same payment ends in the same state', async ({
    assert,
  }) => {
    const events = [
      'payment.authorized',
      'payment.captured',
      'order.paid',
      'payment.failed',
    ] as const
    const orderings = permutations([...events])
    assert.lengthOf(orderings, 24)
    const finals = []
    for (const ordering of orderings) {
      const { org, invoice } = await givenInvoicedOrg()
      const order = await givenOrder(org, invoice)
      const paymentId: string = `pay_${ordering.map((e) => e.split('.')[1].slice(0, 3)).join('')}${finals.length}`
      const bodies: Record<(typeof events)[number], RazorpayEvent> = {
        'payment.authorized': eventOf({
          event: 'payment.authorized',
          payment: paymentEntity(order, 'authorized', paymentId),
        }),
        'payment.captured': eventOf({
          event: 'payment.captured',
          payment: paymentEntity(order, 'captured', paymentId),
        }),
        'order.paid': eventOf({
          event: 'order.paid',
          payment: paymentEntity(order, 'captured', paymentId),
          order: orderEntity(order, 'paid'),
        }),
        'payment.failed': eventOf({
          event: 'payment.failed',
          payment: paymentEntity(order, 'failed', paymentId),
        }),
      }
      for (const name of ordering) {
        assert.equal(await statusOf(signedWebhook(bodies[name])), 200)
        await drain()
      }
      const state = await paymentState(order)
      const payment = await db
        .from('billing_payments')
        .where('razorpay_payment_id', paymentId)
        .first()
      finals.push({
        ...state,
        invoice: { ...state.invoice, paidInFull: state.invoice.paid === invoice.totalPaise },
        paid: undefined,
        error: payment.error_code,
      })
    }
    for (const [index, final] of finals.entries()) {
      assert.deepEqual(
        final,
        {
          payments: [{ status: 'captured', amount: final.payments[0].amount, captured: true }],
          order: 'paid',
          invoice: { status: 'paid', paid: final.invoice.paid, due: 0, paidInFull: true },
          billingStatus: 'active',
          audits: 1,
          paid: undefined,
          error: null,
        },
        `ordering ${orderings[index].join(' → ')}`
      )
    }
  }).timeout(180_000)

  test('an authorized payment alone moves the order to attempted and credits nothing; a failed one records Razorpay’s error', async ({
    assert,
  }) => {
    const { org, invoice } = await givenInvoicedOrg()
    const order = await givenOrder(org, invoice)
    await postWebhook(
      signedWebhook(eventOf({ event: 'payment.failed', payment: paymentEntity(order, 'failed') }))
    )
    await postWebhook(
      signedWebhook(
        eventOf({ event: 'payment.authorized', payment: paymentEntity(order, 'authorized') })
      )
    )
    await drain()
    const state = await paymentState(order)
    assert.deepEqual(state.payments.map((p) => p.status).sort(), ['authorized', 'failed'])
    assert.equal(state.order, 'attempted')
    assert.deepEqual(state.invoice, { status: 'issued', paid: 0, due: invoice.totalPaise })
    const failed = await db
      .from('billing_payments')
      .where('status', 'failed')
      .where('order_id', order.id)
      .first()
    assert.deepEqual(
      [failed.error_code, failed.error_description, failed.error_reason],
      ['BAD_REQUEST_ERROR', 'Payment was declined by the bank.', 'payment_declined']
    )
  })

  test('a partial payment leaves the invoice partially paid with the rest due; a second completes it', async ({
    assert,
  }) => {
    const { org, invoice } = await givenInvoicedOrg()
    const order = await givenOrder(org, invoice)
    const part = paymentEntity(order, 'captured')
    part.amount = 20_000
    const rest = paymentEntity(order, 'captured')
    rest.amount = invoice.totalPaise - 20_000
    await postWebhook(signedWebhook(eventOf({ event: 'payment.captured', payment: part })))
    await drain()
    assert.deepEqual(await invoiceState(order), {
      status: 'partially_paid',
      paid: 20_000,
      due: invoice.totalPaise - 20_000,
    })
    await postWebhook(signedWebhook(eventOf({ event: 'payment.captured', payment: rest })))
    await drain()
    assert.deepEqual(await invoiceState(order), {
      status: 'paid',
      paid: invoice.totalPaise,
      due: 0,
    })
  })

  test('a past-due org with nothing else overdue becomes active; with another invoice overdue it stays past due; a trialing org becomes active', async ({
    assert,
  }) => {
    const pay = async (order: BillingOrder) => {
      await postWebhook(
        signedWebhook(
          eventOf({ event: 'payment.captured', payment: paymentEntity(order, 'captured') })
        )
      )
      await drain()
      return await billingStatusOf(order)
    }
    const setStatus = (org: Organization, status: string) =>
      db.from('organizations').where('id', org.id).update({ billing_status: status })

    const alone = await givenInvoicedOrg()
    await setStatus(alone.org, 'past_due')
    await dueOn(alone.invoice, '2026-11-08')
    assert.equal(await pay(await givenOrder(alone.org, alone.invoice)), 'active')

    const suspended = await givenInvoicedOrg()
    await setStatus(suspended.org, 'suspended')
    assert.equal(await pay(await givenOrder(suspended.org, suspended.invoice)), 'active')

    const owing = await givenInvoicedOrg()
    await setStatus(owing.org, 'past_due')
    // Another invoice of the same org, long overdue and unpaid.
    const older = await db.from('billing_invoices').where('id', owing.invoice.id).first()
    await db.table('billing_invoices').insert({
      ...older,
      id: '00000000-0000-7000-8000-000000000001',
      period_id: null,
      invoice_number: `${older.invoice_number.slice(0, -6)}000099`,
      due_date: '2026-09-07',
      supplier: JSON.stringify(
        typeof older.supplier === 'string' ? JSON.parse(older.supplier) : older.supplier
      ),
      recipient: JSON.stringify(
        typeof older.recipient === 'string' ? JSON.parse(older.recipient) : older.recipient
      ),
    })
    assert.equal(await pay(await givenOrder(owing.org, owing.invoice)), 'past_due')

    const trial = await givenInvoicedOrg()
    await setStatus(trial.org, 'trialing')
    assert.equal(await pay(await givenOrder(trial.org, trial.invoice)), 'active')
  })
})

test.group('Razorpay webhooks: at once (committed)', (group) => {
  const orgs: Organization[] = []
  group.each.setup(() => useRazorpaySettings({}))
  group.each.teardown(async () => {
    for (const org of orgs.splice(0)) {
      const events = await db
        .from('billing_provider_events')
        .where('organization_id', org.id)
        .select('id')
      await db
        .from('queue_jobs')
        .whereIn(
          'subject_id',
          events.map((event) => event.id)
        )
        .delete()
      await removeOrgData(org.id)
      await db
        .from('organizations')
        .where('id', org.id)
        .update({ deleted_at: '2000-01-01 00:00:00' })
    }
  })

  test('100 deliveries at once of payment.captured, and of its order.paid and payment.authorized, applied by four workers: one payment, the invoice credited once', async ({
    assert,
  }) => {
    const { org, invoice } = await givenInvoicedOrg({ name: 'Concurrent payer' })
    orgs.push(org)
    const order = await givenOrder(org, invoice)
    const captured = signedWebhook(
      eventOf({
        event: 'payment.captured',
        payment: paymentEntity(order, 'captured', 'pay_AtOnce0000001'),
      })
    )
    const paid = signedWebhook(
      eventOf({
        event: 'order.paid',
        payment: paymentEntity(order, 'captured', 'pay_AtOnce0000001'),
        order: orderEntity(order, 'paid'),
      })
    )
    const authorized = signedWebhook(
      eventOf({
        event: 'payment.authorized',
        payment: paymentEntity(order, 'authorized', 'pay_AtOnce0000001'),
      })
    )
    const answers = await Promise.all([
      ...Array.from({ length: 100 }, () => postWebhook(captured)),
      ...Array.from({ length: 10 }, () => postWebhook(paid)),
      ...Array.from({ length: 10 }, () => postWebhook(authorized)),
    ])
    assert.deepEqual([...new Set(answers.map((answer) => answer.status))], [200])
    assert.equal(answers.filter((answer) => answer.body.stored).length, 3)
    await QueueWorker.drain({ lanes: 4 })
    const rows = await eventRows([captured.eventId, paid.eventId, authorized.eventId])
    assert.deepEqual(
      rows.map((row) => row.status),
      ['applied', 'applied', 'applied']
    )
    const state = await paymentState(order)
    assert.deepEqual(state.payments, [
      { status: 'captured', amount: invoice.totalPaise, captured: true },
    ])
    assert.deepEqual(state.invoice, { status: 'paid', paid: invoice.totalPaise, due: 0 })
    assert.equal(state.order, 'paid')
    assert.equal(state.audits, 1)
  }).timeout(120_000)

  test('twenty appliers of the same captured payment at once, each in its own transaction: credited once', async ({
    assert,
  }) => {
    const { applyRazorpayPayment } = await import('#billing/actions/apply_razorpay_entities')
    const { org, invoice } = await givenInvoicedOrg({ name: 'Racing appliers' })
    orgs.push(org)
    const order = await givenOrder(org, invoice)
    const payment = paymentEntity(order, 'captured')
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, () => db.transaction((trx) => applyRazorpayPayment(trx, payment)))
    )
    const credited = outcomes.filter((outcome) => outcome.kind === 'applied' && outcome.credited)
    assert.lengthOf(credited, 1)
    const state = await paymentState(order)
    assert.deepEqual(state.invoice, { status: 'paid', paid: invoice.totalPaise, due: 0 })
    assert.lengthOf(state.payments, 1)
    assert.equal(state.audits, 1)
  }).timeout(60_000)
})
