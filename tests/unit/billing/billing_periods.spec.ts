import { test } from '@japa/runner'
import { DateTime } from 'luxon'
import { billedDaysOf, billingMonthNamed, billingMonthOf } from '#billing/services/billing_periods'

const utc = (iso: string) => DateTime.fromISO(iso, { zone: 'utc' })
const kolkata = (iso: string) => DateTime.fromISO(iso, { zone: 'Asia/Kolkata' })

test.group('Billing periods', () => {
  test('a period is a calendar month in Kolkata: 23:00 UTC on 31 January is already February', ({
    assert,
  }) => {
    const february = billingMonthOf(utc('2027-01-31T23:00:00'))
    assert.equal(february.start, '2027-02-01')
    assert.equal(february.end, '2027-02-28')
    assert.equal(february.daysInMonth, 28)
    assert.equal(february.startsAt.toISO(), '2027-01-31T18:30:00.000Z')
    assert.equal(february.endsAt.toISO(), '2027-02-28T18:30:00.000Z')
    assert.equal(billingMonthOf(utc('2027-01-31T18:29:59')).start, '2027-01-01')
    assert.equal(billingMonthNamed('2028-02')!.end, '2028-02-29')
    assert.isNull(billingMonthNamed('2026-13'))
    assert.isNull(billingMonthNamed('2026-1'))
  })

  test('the month a trial ends in is billed from the next day: ending on 14 March bills 17 of 31 days; before the month all, after it none', ({
    assert,
  }) => {
    const march = billingMonthNamed('2026-03')!
    assert.equal(billedDaysOf(march, kolkata('2026-03-14T10:00:00')), 17)
    // Ending at midnight, the 15th is not the trial's: the same 17 days.
    assert.equal(billedDaysOf(march, kolkata('2026-03-15T00:00:00')), 17)
    assert.equal(billedDaysOf(march, kolkata('2026-03-31T23:59:00')), 0)
    assert.equal(billedDaysOf(march, kolkata('2026-02-20T09:00:00')), 31)
    assert.equal(billedDaysOf(march, kolkata('2026-04-02T09:00:00')), 0)
    assert.equal(billedDaysOf(march, null), 31)
  })
})
