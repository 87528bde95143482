import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import { DateTime } from 'luxon'
import { givenOrg } from '#tests/helpers/given'
import { givenApiKey } from '#tests/helpers/api_keys'
import { binary, bytesOf } from '#tests/helpers/binary'
import { billingProfile, gstinFor, issuedAt, pdfText } from '#tests/helpers/billing'
import CloseBillingPeriod from '#billing/actions/close_billing_period'
import { billedDaysOf, billingMonthNamed, billingMonthOf } from '#billing/services/billing_periods'
import { invoiceTotals, proratedPaise } from '#billing/services/gst'

/*
| The account and its invoices through the API (API.md "Billing"): the
| status, trial and prices, this month so far with its estimate, the
| balance; invoices and credit notes listed, one in full, its PDF; another
| org's invoice is a 404.
*/

test.group('API: billing and invoices', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('GET /api/v1/billing during the trial: status, trial end and certificates left, the plan, this month so far', async ({
    client,
    assert,
  }) => {
    const now = DateTime.utc()
    const { org: created } = await givenOrg({ billing: 'trialing' })
    const org = await billingProfile(created, {
      createdAt: now.minus({ days: 2 }).toISO()!,
      trialEndsAt: now.plus({ days: 5 }).toISO()!,
      state: 'Karnataka',
    })
    await issuedAt(org, now.minus({ minutes: 5 }).toISO()!, 4)
    const { secret } = await givenApiKey(org)

    const response = await client.get('/api/v1/billing').bearerToken(secret)
    response.assertStatus(200)
    const body = response.body()
    const month = billingMonthOf(now)
    // The month's bill so far: the fee for its days after the trial (none if the trial outlasts it), no certificates.
    const fee = proratedPaise(39_900, billedDaysOf(month, org.trialEndsAt), month.daysInMonth)
    const estimate = invoiceTotals([{ description: 'fee', quantity: 1, unitPaise: fee }], {
      rateBasisPoints: 1_800,
      intraState: true,
      roundOff: true,
    })
    assert.containsSubset(body, {
      status: 'trialing',
      trial_days_left: 5,
      trial_certificates_left: 6,
      plan: {
        code: 'startup',
        platform_fee_paise: 39_900,
        certificate_fee_paise: 1_000,
        gst_rate_percent: 18,
        free_reissue_days: 30,
      },
      current_period: {
        start: month.start,
        end: month.end,
        certificates: 4,
        free_certificates: 4,
        estimated_subtotal_paise: fee,
        estimated_total_paise: estimate.totalPaise,
      },
      balance_paise: 0,
      currency: 'INR',
    })
    assert.equal(DateTime.fromISO(body.trial_ends_at).toMillis(), org.trialEndsAt!.toMillis())
  })

  test('GET /api/v1/billing after the trial: this month’s fee and certificates with GST as the estimate; an unpaid invoice makes the balance negative', async ({
    client,
    assert,
  }) => {
    const now = DateTime.utc()
    const { org: created } = await givenOrg({ billing: 'trialing' })
    const org = await billingProfile(created, {
      createdAt: '2026-01-05T10:00:00Z',
      state: 'Karnataka',
    })
    await issuedAt(org, '2026-10-07T10:00:00Z', 2)
    await CloseBillingPeriod.handle(org, billingMonthNamed('2026-10')!)
    await issuedAt(org, now.minus({ minutes: 1 }).toISO()!, 3)
    const { secret } = await givenApiKey(org)

    const response = await client.get('/api/v1/billing').bearerToken(secret)
    const body = response.body()
    // 39,900 + 3,000 = 42,900; CGST 3,591 + 270, SGST the same: 50,622 → ₹506 rounded.
    assert.containsSubset(body, {
      status: 'trialing',
      trial_days_left: 0,
      trial_certificates_left: 0,
      current_period: {
        certificates: 3,
        free_certificates: 0,
        estimated_subtotal_paise: 42_900,
        estimated_tax_paise: 7_722,
        estimated_total_paise: 50_600,
      },
    })
    // October: 39,900 + 2,000 = 41,900, + 7,542 GST = 49,442 → 49,400.
    assert.equal(body.outstanding_paise, 49_400)
    assert.equal(body.balance_paise, -49_400)
  })

  test('GET /api/v1/invoices lists the org’s invoices newest first; one in full with its lines and parties; its PDF; another org’s invoice is a 404; a bad kind a 422', async ({
    client,
    assert,
  }) => {
    const { org: created } = await givenOrg()
    const gstin = gstinFor('27')
    const org = await billingProfile(created, {
      createdAt: '2026-01-05T10:00:00Z',
      gstin,
      businessName: 'Pune Skills Academy LLP',
    })
    await issuedAt(org, '2026-09-07T10:00:00Z', 5)
    await issuedAt(org, '2026-10-07T10:00:00Z', 2)
    await CloseBillingPeriod.handle(org, billingMonthNamed('2026-09')!)
    await CloseBillingPeriod.handle(org, billingMonthNamed('2026-10')!)
    const { secret } = await givenApiKey(org)

    const list = await client.get('/api/v1/invoices').bearerToken(secret)
    list.assertStatus(200)
    const { data, meta } = list.body()
    assert.deepEqual(meta, { total: 2, page: 1, per_page: 25 })
    assert.deepEqual(
      data.map((invoice: { period_start: string }) => invoice.period_start),
      ['2026-10-01', '2026-09-01']
    )
    const october = data[0]
    assert.match(october.number, /^XEN-[A-Z0-9]{1,5}-000002$/)
    assert.containsSubset(october, {
      kind: 'invoice',
      status: 'issued',
      period_end: '2026-10-31',
      subtotal_paise: 41_900,
      cgst_paise: 0,
      sgst_paise: 0,
      igst_paise: 7_542,
      round_off_paise: -42,
      total_paise: 49_400,
      amount_paid_paise: 0,
      amount_due_paise: 49_400,
      currency: 'INR',
      place_of_supply: '27',
    })
    assert.match(october.pdf_url, new RegExp(`/api/v1/invoices/${october.id}/pdf$`))

    const one = await client.get(`/api/v1/invoices/${october.id}`).bearerToken(secret)
    one.assertStatus(200)
    assert.containsSubset(one.body(), {
      sac: '998314',
      amount_in_words: 'Rupees Four Hundred Ninety-Four Only',
      recipient: { name: 'Pune Skills Academy LLP', gstin, state_code: '27' },
      lines: [
        {
          position: 1,
          type: 'platform_fee',
          quantity: 1,
          unit_price_paise: 39_900,
          igst_paise: 7_182,
        },
        {
          position: 2,
          type: 'certificates',
          quantity: 2,
          unit_price_paise: 1_000,
          igst_paise: 360,
        },
      ],
    })

    const credits = await client.get('/api/v1/invoices?kind=credit_note').bearerToken(secret)
    assert.deepEqual(credits.body().data, [])
    const bad = await client.get('/api/v1/invoices?kind=receipt').bearerToken(secret)
    bad.assertStatus(422)
    assert.equal(bad.body().errors[0].field, 'kind')

    const pdf = await binary(client.get(`/api/v1/invoices/${october.id}/pdf`).bearerToken(secret))
    pdf.assertStatus(200)
    assert.equal(pdf.header('content-type'), 'application/pdf')
    assert.include(pdf.header('content-disposition'), `${october.number}.pdf`)
    const text = pdfText(bytesOf(pdf))
    assert.include(text, october.number)
    assert.include(text, gstin)
    assert.include(text, 'IGST')

    const { org: other } = await givenOrg()
    const { secret: otherSecret } = await givenApiKey(other)
    for (const path of [`/api/v1/invoices/${october.id}`, `/api/v1/invoices/${october.id}/pdf`]) {
      const foreign = await client.get(path).bearerToken(otherSecret)
      foreign.assertStatus(404)
    }
    const notAnId = await client.get('/api/v1/invoices/not-an-id').bearerToken(secret)
    notAnId.assertStatus(404)
  })
})
