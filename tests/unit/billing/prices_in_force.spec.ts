import { test } from '@japa/runner'
import { randomUUID } from 'node:crypto'
import testUtils from '@adonisjs/core/services/test_utils'
import db from '@adonisjs/lucid/services/db'
import type Organization from '#orgs/models/organization'
import { pricesInForce } from '#billing/queries/prices_in_force'
import { givenOrg } from '#tests/helpers/given'

/** A pricing override of `org`, as staff will make one (the admin issue adds the form). */
async function givenOverride(
  org: Organization,
  values: {
    effective_from: string
    effective_to?: string | null
    platform_fee_paise?: number
    platform_fee_waived?: boolean
    certificate_fee_paise?: number
    gst_rate_basis_points?: number
  }
) {
  const id = randomUUID()
  await db.table('organization_pricing_overrides').insert({
    id,
    organization_id: org.id,
    created_at: new Date(),
    ...values,
  })
  return id
}

test.group('Prices in force on a day', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('without an override an org pays the startup book: 39,900 paise a month, 1,000 a certificate, GST 18 %, reissues free for 30 days', async ({
    assert,
  }) => {
    const { org } = await givenOrg()
    assert.deepEqual(await pricesInForce(org, '2026-12-07'), {
      priceBookKey: 'startup',
      currency: 'INR',
      platformFeePaise: 39_900,
      platformFeeWaived: false,
      certificateFeePaise: 1_000,
      gstRateBasisPoints: 1_800,
      freeReissueDays: 30,
      overrideId: null,
    })
  })

  test('an override is in force from its first to its last day, both included, and only for its org', async ({
    assert,
  }) => {
    const { org } = await givenOrg()
    const { org: other } = await givenOrg()
    const deal = await givenOverride(org, {
      effective_from: '2026-04-01',
      effective_to: '2026-06-30',
      certificate_fee_paise: 700,
    })
    const feeOn = async (of: Organization, day: string) => {
      const prices = await pricesInForce(of, day)
      return prices.certificateFeePaise
    }
    assert.equal(await feeOn(org, '2026-03-31'), 1_000)
    assert.equal(await feeOn(org, '2026-04-01'), 700)
    const lastDay = await pricesInForce(org, '2026-06-30')
    assert.equal(lastDay.certificateFeePaise, 700)
    assert.equal(lastDay.overrideId, deal)
    // What the override leaves unset is the book's.
    assert.equal(lastDay.platformFeePaise, 39_900)
    assert.equal(lastDay.gstRateBasisPoints, 1_800)
    assert.equal(await feeOn(org, '2026-07-01'), 1_000)
    assert.equal(await feeOn(other, '2026-05-01'), 1_000)
  })

  test('where overrides overlap, the one that started last decides; a waived platform fee is 0; an open-ended one runs on', async ({
    assert,
  }) => {
    const { org } = await givenOrg()
    await givenOverride(org, { effective_from: '2026-01-01', gst_rate_basis_points: 1_200 })
    const waiver = await givenOverride(org, {
      effective_from: '2026-02-01',
      effective_to: '2026-02-28',
      platform_fee_paise: 19_900,
      platform_fee_waived: true,
    })
    const february = await pricesInForce(org, '2026-02-14')
    assert.equal(february.overrideId, waiver)
    assert.equal(february.platformFeePaise, 0)
    assert.isTrue(february.platformFeeWaived)
    // The later override sets no rate: the book's, not the earlier override's.
    assert.equal(february.gstRateBasisPoints, 1_800)
    const later = await pricesInForce(org, '2027-11-30')
    assert.equal(later.gstRateBasisPoints, 1_200)
    assert.equal(later.platformFeePaise, 39_900)
  })

  test('a day that is not YYYY-MM-DD is refused rather than compared as text', async ({
    assert,
  }) => {
    const { org } = await givenOrg()
    await assert.rejects(
      () => pricesInForce(org, '7/12/2026'),
      'a day is YYYY-MM-DD, not “7/12/2026”'
    )
  })
})
