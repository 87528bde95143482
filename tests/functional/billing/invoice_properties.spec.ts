import { randomUUID } from 'node:crypto'
import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import db from '@adonisjs/lucid/services/db'
import fc from 'fast-check'
import { DateTime } from 'luxon'
import { givenOrg } from '#tests/helpers/given'
import { billingProfile, issuedAt, reissuedAt } from '#tests/helpers/billing'
import BillingInvoice from '#billing/models/billing_invoice'
import CloseBillingPeriod from '#billing/actions/close_billing_period'
import { billingMonthNamed } from '#billing/services/billing_periods'
import { amountInWords } from '#billing/services/gst'
import { pricesInForce } from '#billing/queries/prices_in_force'

/*
| The billing run as a property: for random trials, price overrides, usage,
| reissues, credits and debits, the invoice it issues adds up to the paisa
| (its totals are the sums of its lines, the total is taxable + tax +
| round-off to whole rupees, the words say the total), each certificates
| line is priced at the fee in force on its first day, every certificate
| of the month is on a line (billed or free) and credits never take the
| taxable value below zero.
*/

const OCTOBER = billingMonthNamed('2026-10')!
const day = fc.integer({ min: 1, max: 31 }).map((n) => `2026-10-${String(n).padStart(2, '0')}`)

const scenario = fc.record({
  trialEndsOn: fc.option(fc.integer({ min: -40, max: 40 }), { nil: null }),
  inKarnataka: fc.boolean(),
  overrides: fc.array(
    fc.record({
      from: day,
      days: fc.integer({ min: 0, max: 40 }),
      certificateFeePaise: fc.option(fc.integer({ min: 0, max: 5_000 }), { nil: null }),
      platformFeePaise: fc.option(fc.integer({ min: 0, max: 100_000 }), { nil: null }),
      waived: fc.boolean(),
      gstBasisPoints: fc.option(fc.constantFrom(0, 500, 1_200, 1_800, 2_800), { nil: null }),
    }),
    { maxLength: 2 }
  ),
  usage: fc.array(fc.record({ on: day, count: fc.integer({ min: 1, max: 40 }) }), {
    maxLength: 4,
  }),
  reissues: fc.array(fc.record({ on: day, ageDays: fc.integer({ min: 0, max: 90 }) }), {
    maxLength: 3,
  }),
  adjustments: fc.array(
    fc.record({
      kind: fc.constantFrom('credit', 'debit'),
      paise: fc.integer({ min: 1, max: 200_000 }),
    }),
    { maxLength: 3 }
  ),
})

test.group('Billing run: invoices add up (property)', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('random trials, overrides, usage, reissues, credits and debits: every invoice adds up to the paisa', async ({
    assert,
  }) => {
    await fc.assert(
      fc.asyncProperty(scenario, async (given) => {
        const trialEnd =
          given.trialEndsOn === null
            ? null
            : DateTime.fromISO('2026-10-01T06:00:00Z').plus({ days: given.trialEndsOn })
        const { org: created } = await givenOrg()
        const org = await billingProfile(created, {
          createdAt: '2026-08-01T06:00:00Z',
          trialEndsAt: trialEnd ? trialEnd.toISO()! : null,
          state: given.inKarnataka ? 'Karnataka' : 'Bihar',
        })
        for (const [index, override] of given.overrides.entries()) {
          await db.table('organization_pricing_overrides').insert({
            id: randomUUID(),
            organization_id: org.id,
            effective_from: override.from,
            effective_to: DateTime.fromISO(override.from).plus({ days: override.days }).toISODate(),
            certificate_fee_paise: override.certificateFeePaise,
            platform_fee_paise: override.platformFeePaise,
            platform_fee_waived: override.waived,
            gst_rate_basis_points: override.gstBasisPoints,
            created_at: new Date(Date.UTC(2026, 0, 1, 0, 0, index)),
          })
        }
        for (const use of given.usage) await issuedAt(org, `${use.on}T06:00:00Z`, use.count)
        for (const reissue of given.reissues) {
          const replaced = DateTime.fromISO(`${reissue.on}T06:00:00Z`).minus({
            days: reissue.ageDays,
          })
          await reissuedAt(org, `${reissue.on}T06:00:00Z`, replaced.toISO()!)
        }
        for (const adjustment of given.adjustments) {
          await db.table('billing_credits_debits').insert({
            id: randomUUID(),
            organization_id: org.id,
            kind: adjustment.kind,
            amount_paise: adjustment.paise,
            remaining_paise: adjustment.paise,
            reason: `${adjustment.kind} of ${adjustment.paise}`,
            created_at: new Date('2026-09-15T00:00:00Z'),
            updated_at: new Date('2026-09-15T00:00:00Z'),
          })
        }

        const outcome = await CloseBillingPeriod.handle(org, OCTOBER)
        if (outcome.kind !== 'invoiced') {
          assert.equal(outcome.kind, 'nothing_to_invoice')
          return
        }
        const invoice = await BillingInvoice.query()
          .where('id', outcome.invoiceId)
          .preload('items', (items) => items.orderBy('position'))
          .firstOrFail()
        const sum = (pick: (item: (typeof invoice.items)[number]) => number) =>
          invoice.items.reduce((total, item) => total + pick(item), 0)
        assert.equal(
          invoice.subtotalPaise,
          sum((item) => item.amountPaise)
        )
        assert.equal(
          invoice.cgstPaise,
          sum((item) => item.cgstPaise)
        )
        assert.equal(
          invoice.sgstPaise,
          sum((item) => item.sgstPaise)
        )
        assert.equal(
          invoice.igstPaise,
          sum((item) => item.igstPaise)
        )
        assert.equal(
          invoice.totalPaise,
          invoice.subtotalPaise +
            invoice.cgstPaise +
            invoice.sgstPaise +
            invoice.igstPaise +
            invoice.roundOffPaise
        )
        assert.equal(invoice.totalPaise % 100, 0)
        assert.isAtMost(Math.abs(invoice.roundOffPaise), 50)
        assert.equal(invoice.amountInWords, amountInWords(invoice.totalPaise))
        assert.isAtLeast(invoice.subtotalPaise, 0)
        for (const item of invoice.items) {
          assert.equal(item.amountPaise, item.quantity * item.unitPricePaise)
          if (invoice.intraState) assert.equal(item.igstPaise, 0)
          else assert.equal(item.cgstPaise + item.sgstPaise, 0)
          if (item.lineItemType === 'certificates' && item.unitPricePaise > 0) {
            const prices = await pricesInForce(org, String(item.metadata.from))
            assert.equal(item.unitPricePaise, prices.certificateFeePaise)
          }
        }
        const onLines = sum((item) => (item.lineItemType === 'certificates' ? item.quantity : 0))
        const issued =
          given.usage.reduce((total, use) => total + use.count, 0) + given.reissues.length
        assert.equal(onLines, issued)
        assert.equal(invoice.intraState, given.inKarnataka)
      }),
      { numRuns: 25 }
    )
  }).timeout(120_000)
})
