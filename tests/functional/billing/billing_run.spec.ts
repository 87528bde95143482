import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import db from '@adonisjs/lucid/services/db'
import drive from '@adonisjs/drive/services/main'
import { DateTime } from 'luxon'
import { QueueWorker } from '#core/queue/worker'
import { givenOrg } from '#tests/helpers/given'
import { billingProfile, gstinFor, issuedAt, pdfText, reissuedAt } from '#tests/helpers/billing'
import BillingInvoice from '#billing/models/billing_invoice'
import CloseBillingPeriod from '#billing/actions/close_billing_period'
import { billingMonthNamed } from '#billing/services/billing_periods'
import { periodCharges, periodChargesMany } from '#billing/queries/period_charges'
import billing from '#config/billing'

/*
| The billing run: one ended month of one org becomes one GST tax invoice
| (or nothing when nothing is charged), priced from its usage events with
| the prices in force on each day, numbered from the org's gapless series,
| its PDF drawn by a queue job, and never twice.
*/

const OCTOBER = billingMonthNamed('2026-10')!

async function invoiceOf(orgId: string) {
  const invoice = await BillingInvoice.query()
    .where('organization_id', orgId)
    .preload('items', (items) => items.orderBy('position'))
    .firstOrFail()
  return invoice
}

test.group('Billing run: what one month invoices', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('a trial ending on 5 Oct: 26 of 31 days of the fee, the trial’s free certificates at zero, a correction free and a late reissue billed; CGST + SGST in Karnataka, rounded to the rupee', async ({
    assert,
  }) => {
    const { org: created } = await givenOrg()
    // Trial from 28 Sep to 5 Oct 15:30 IST, 10 free certificates.
    const org = await billingProfile(created, {
      createdAt: '2026-09-28T10:00:00Z',
      trialEndsAt: '2026-10-05T10:00:00Z',
      state: 'Karnataka',
      businessName: 'Vidya Learning Private Limited',
    })
    await issuedAt(org, '2026-09-29T09:00:00Z', 4) // in the trial, September
    await issuedAt(org, '2026-10-02T09:00:00Z', 9) // 6 still free, 3 billed
    await issuedAt(org, '2026-10-20T09:00:00Z', 5) // after the trial: billed
    await issuedAt(org, '2026-11-01T09:00:00Z', 7) // November: not this invoice
    await reissuedAt(org, '2026-10-21T09:00:00Z', '2026-10-02T09:00:00Z') // within 30 days: free
    await reissuedAt(org, '2026-10-22T09:00:00Z', '2026-08-01T09:00:00Z') // 82 days later: billed

    const outcome = await CloseBillingPeriod.handle(org, OCTOBER)
    assert.equal(outcome.kind, 'invoiced')
    const invoice = await invoiceOf(org.id)
    const { invoice_code: code } = await db.from('organizations').where('id', org.id).first()
    assert.match(code, /^[A-Z0-9]{1,5}$/)
    assert.equal(invoice.invoiceNumber, `XEN-${code}-000001`)
    assert.isAtMost(invoice.invoiceNumber.length, 16)
    assert.deepEqual(
      invoice.items.map((item) => [item.lineItemType, item.quantity, item.unitPricePaise]),
      [
        // 39,900 × 26 / 31 = 33,464.52 → 33,465 paise.
        ['platform_fee', 1, 33_465],
        ['certificates', 9, 1_000],
        ['certificates', 6, 0],
        ['certificates', 1, 0],
      ]
    )
    assert.include(invoice.items[0].description, '26 of 31 days')
    assert.include(invoice.items[0].description, '6 Oct 2026')
    assert.include(invoice.items[3].description, 'within 30 days')
    // Per line, half-up: 33,465 × 9 % = 3,011.85 → 3,012; 9,000 × 9 % = 810.
    assert.equal(invoice.subtotalPaise, 42_465)
    assert.equal(invoice.cgstPaise, 3_822)
    assert.equal(invoice.sgstPaise, 3_822)
    assert.equal(invoice.igstPaise, 0)
    assert.isTrue(invoice.intraState)
    assert.equal(invoice.roundOffPaise, -9)
    assert.equal(invoice.totalPaise, 50_100)
    assert.equal(invoice.amountDuePaise, 50_100)
    assert.equal(invoice.amountInWords, 'Rupees Five Hundred One Only')
    assert.equal(invoice.status, 'issued')
    assert.equal(invoice.placeOfSupply, '29')
    assert.equal(invoice.sac, '998314')
    assert.equal(invoice.periodStart, '2026-10-01')
    assert.equal(invoice.periodEnd, '2026-10-31')
    assert.equal(invoice.recipient.name, 'Vidya Learning Private Limited')
    assert.equal(invoice.supplier.gstin, billing.supplier.gstin)
    assert.equal(
      invoice.dueDate,
      DateTime.fromISO(invoice.issueDate).plus({ days: billing.paymentTermsDays }).toISODate()
    )

    const period = await db.from('billing_periods').where('id', invoice.periodId!).first()
    assert.equal(period.status, 'invoiced')
    assert.deepEqual([period.period_start, period.period_end], ['2026-10-01', '2026-10-31'])
    const audit = await db
      .from('app_audit_logs')
      .where('organization_id', org.id)
      .where('action', 'billing.invoice_issued')
    assert.lengthOf(audit, 1)
  })

  test('Maharashtra with a GSTIN pays IGST; a price override from 16 Oct splits the certificates into two lines; a debit in full and a credit as far as the charges go', async ({
    assert,
  }) => {
    const { org: created } = await givenOrg()
    const gstin = gstinFor('27')
    const org = await billingProfile(created, {
      createdAt: '2026-01-10T10:00:00Z',
      state: 'Karnataka', // the address says Karnataka; the GSTIN's state decides
      gstin,
    })
    const now = DateTime.utc()
    await db.table('organization_pricing_overrides').insert({
      id: crypto.randomUUID(),
      organization_id: org.id,
      effective_from: '2026-10-16',
      effective_to: null,
      certificate_fee_paise: 500,
      platform_fee_waived: false,
      created_at: now.toJSDate(),
    })
    await issuedAt(org, '2026-10-03T09:00:00Z', 3)
    await issuedAt(org, '2026-10-15T18:00:00Z', 2) // 23:30 IST on the 15th: still the book's price
    await issuedAt(org, '2026-10-15T18:31:00Z', 4) // 00:01 IST on the 16th: the override's
    await db.table('billing_credits_debits').multiInsert([
      {
        id: crypto.randomUUID(),
        organization_id: org.id,
        kind: 'debit',
        amount_paise: 25_000,
        remaining_paise: 25_000,
        reason: 'Custom template design',
        created_at: new Date('2026-10-05T00:00:00Z'),
        updated_at: new Date('2026-10-05T00:00:00Z'),
      },
      {
        id: crypto.randomUUID(),
        organization_id: org.id,
        kind: 'credit',
        amount_paise: 100_000,
        remaining_paise: 100_000,
        reason: 'Launch offer',
        created_at: new Date('2026-10-06T00:00:00Z'),
        updated_at: new Date('2026-10-06T00:00:00Z'),
      },
    ])

    const outcome = await CloseBillingPeriod.handle(org, OCTOBER)
    assert.equal(outcome.kind, 'invoiced')
    const invoice = await invoiceOf(org.id)
    assert.deepEqual(
      invoice.items.map((item) => [item.lineItemType, item.quantity, item.unitPricePaise]),
      [
        ['platform_fee', 1, 39_900],
        ['certificates', 5, 1_000],
        ['certificates', 4, 500],
        ['debit', 1, 25_000],
        // 39,900 + 5,000 + 2,000 + 25,000 = 71,900: the credit covers that much of its 1,00,000.
        ['credit', 1, -71_900],
      ]
    )
    assert.include(invoice.items[1].description, '1 Oct 2026 – 15 Oct 2026')
    assert.include(invoice.items[2].description, '16 Oct 2026 – 31 Oct 2026')
    assert.isFalse(invoice.intraState)
    assert.equal(invoice.placeOfSupply, '27')
    assert.equal(invoice.recipient.gstin, gstin)
    assert.equal(invoice.subtotalPaise, 0)
    assert.equal(invoice.cgstPaise + invoice.sgstPaise, 0)
    assert.equal(invoice.igstPaise, 0)
    assert.equal(invoice.totalPaise, 0)
    assert.equal(invoice.status, 'paid')
    const credit = await db
      .from('billing_credits_debits')
      .where('kind', 'credit')
      .where('organization_id', org.id)
      .first()
    assert.equal(Number(credit.remaining_paise), 28_100)
    const debit = await db
      .from('billing_credits_debits')
      .where('kind', 'debit')
      .where('organization_id', org.id)
      .first()
    assert.equal(Number(debit.remaining_paise), 0)
  })

  test('a month entirely inside the trial with no usage is closed without an invoice; the month being billed must have ended', async ({
    assert,
  }) => {
    const { org: created } = await givenOrg()
    const org = await billingProfile(created, {
      createdAt: '2026-10-01T10:00:00Z',
      trialEndsAt: '2026-11-15T10:00:00Z',
    })
    assert.deepEqual(await CloseBillingPeriod.handle(org, OCTOBER), { kind: 'nothing_to_invoice' })
    const period = await db.from('billing_periods').where('organization_id', org.id).first()
    assert.equal(period.status, 'closed')
    assert.lengthOf(await db.from('billing_invoices').where('organization_id', org.id), 0)
    const future = billingMonthNamed(DateTime.utc().setZone('Asia/Kolkata').toFormat('yyyy-MM'))!
    const outcome = await CloseBillingPeriod.handle(org, future)
    assert.equal(outcome.kind, 'not_billable')
    const september = await CloseBillingPeriod.handle(org, billingMonthNamed('2026-09')!)
    assert.deepEqual(september, {
      kind: 'not_billable',
      reason: 'the organization was created after 2026-09-30',
    })
  })

  test('the invoice’s PDF is drawn by its queue job and stored under invoices/<org>/<yyyy>/<mm>/; pdftotext finds both GSTINs, the SAC, the tax split and the amount in words', async ({
    assert,
  }) => {
    const { org: created } = await givenOrg()
    const gstin = gstinFor('29')
    const org = await billingProfile(created, {
      createdAt: '2026-03-01T10:00:00Z',
      gstin,
      state: 'Karnataka',
      businessName: 'Shiksha Skills LLP',
    })
    await issuedAt(org, '2026-10-10T09:00:00Z', 1234)
    const outcome = await CloseBillingPeriod.handle(org, OCTOBER)
    assert.equal(outcome.kind, 'invoiced')
    await QueueWorker.drain({ lanes: 1 })
    const invoice = await invoiceOf(org.id)
    assert.isNotNull(invoice.pdfFileId)
    const file = await db.from('files').where('id', invoice.pdfFileId!).first()
    const [year, month] = invoice.issueDate.split('-')
    assert.equal(file.path, `invoices/${org.id}/${year}/${month}/${invoice.invoiceNumber}.pdf`)
    assert.equal(file.kind, 'invoice_pdf')
    const bytes = await drive.use().getBytes(file.path)
    const text = pdfText(bytes)
    assert.include(text, 'TAX INVOICE')
    assert.include(text, invoice.invoiceNumber)
    assert.include(text, gstin)
    assert.include(text, billing.supplier.gstin)
    assert.include(text, '998314')
    assert.include(text, 'CGST')
    assert.include(text, 'SGST')
    assert.notInclude(text, 'IGST')
    // 39,900 + 12,34,000 paise taxable; 9 % each of 39,900 → 3,591, of 12,34,000 → 1,11,060;
    // ₹15,032.02 rounds to ₹15,032.
    assert.equal(invoice.totalPaise, 1_503_200)
    assert.include(text, '12,739.00')
    assert.include(text, '1,110.60')
    assert.include(text, '15,032.00')
    assert.include(text, 'Rupees Fifteen Thousand Thirty-Two Only')
    assert.include(text, 'Reverse charge')
    assert.include(text, 'Karnataka (29)')
  })

  test('the batch pricing of many orgs prices each exactly as pricing it alone does (trials before, in and after the month, no trial, overrides, reissues, credits)', async ({
    assert,
  }) => {
    const profiles = [
      { createdAt: '2026-01-05T10:00:00Z' },
      { createdAt: '2026-01-05T10:00:00Z', trialEndsAt: null },
      { createdAt: '2026-10-12T10:00:00Z', trialEndsAt: null },
      { createdAt: '2026-09-28T10:00:00Z', trialEndsAt: '2026-10-05T10:00:00Z' },
      { createdAt: '2026-09-30T18:30:00Z', trialEndsAt: '2026-09-30T18:30:00Z' },
      { createdAt: '2026-10-20T10:00:00Z', trialEndsAt: '2026-11-20T10:00:00Z' },
      { createdAt: '2026-02-05T10:00:00Z', state: 'Karnataka' },
      { createdAt: '2026-02-05T10:00:00Z', gstin: gstinFor('33') },
    ]
    const orgs = []
    for (const [index, profile] of profiles.entries()) {
      const { org: created } = await givenOrg()
      const org = await billingProfile(created, profile)
      await issuedAt(org, '2026-10-03T04:00:00Z', index)
      await issuedAt(org, '2026-10-31T18:29:00Z', 1) // 23:59 IST on the 31st
      await issuedAt(org, '2026-10-31T18:30:00Z', 5) // November already in Kolkata
      orgs.push(org)
    }
    const withReissue = orgs[0]
    await reissuedAt(withReissue, '2026-10-09T10:00:00Z', '2026-10-01T10:00:00Z')
    const withOverride = orgs[6]
    await db.table('organization_pricing_overrides').insert({
      id: crypto.randomUUID(),
      organization_id: withOverride.id,
      effective_from: '2026-10-20',
      effective_to: '2026-10-25',
      platform_fee_paise: 10_000,
      platform_fee_waived: false,
      created_at: new Date(),
    })
    await db.table('billing_credits_debits').insert({
      id: crypto.randomUUID(),
      organization_id: orgs[7].id,
      kind: 'credit',
      amount_paise: 500,
      remaining_paise: 500,
      reason: 'Goodwill',
      created_at: new Date('2026-10-02T00:00:00Z'),
      updated_at: new Date('2026-10-02T00:00:00Z'),
    })
    const many = await periodChargesMany(orgs, OCTOBER, db.connection())
    for (const org of orgs) {
      assert.deepEqual(
        many.get(org.id),
        await periodCharges(org, OCTOBER, db.connection()),
        org.slug
      )
    }
    // The common case takes the batch's own path: one whole month at the book's prices.
    assert.deepEqual(
      many.get(orgs[1].id)!.lines.map((line) => [line.type, line.quantity, line.unitPaise]),
      [
        ['platform_fee', 1, 39_900],
        ['certificates', 2, 1_000],
      ]
    )
  })
})
