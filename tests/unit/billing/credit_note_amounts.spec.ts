import { test } from '@japa/runner'
import fc from 'fast-check'
import { lineTax } from '#billing/services/gst'
import { splitTaxInclusive } from '#billing/services/credit_note_amounts'

/*
| A refund (tax included) split back into taxable value and GST at the
| original invoice's rate: always exactly the refund, the tax always what
| gst.ts charges on that taxable value, a round-off only where per-line
| rounding cannot reach the amount.
*/

test.group('Credit note amounts: a tax-inclusive amount split back', () => {
  test('the whole of our monthly fee back, within the state: 39,900 + 3,591 + 3,591', ({
    assert,
  }) => {
    assert.deepEqual(splitTaxInclusive(47_082, 1_800, true), {
      taxablePaise: 39_900,
      cgstPaise: 3_591,
      sgstPaise: 3_591,
      igstPaise: 0,
      roundOffPaise: 0,
    })
    assert.deepEqual(splitTaxInclusive(47_082, 1_800, false), {
      taxablePaise: 39_900,
      cgstPaise: 0,
      sgstPaise: 0,
      igstPaise: 7_182,
      roundOffPaise: 0,
    })
  })

  test('any amount and rate: the parts add up to the amount, the tax is the line tax of the taxable value, a round-off of at most one paisa', ({
    assert,
  }) => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000_000_000 }),
        fc.constantFrom(0, 500, 1_200, 1_800, 2_800),
        fc.boolean(),
        (gross, rate, intraState) => {
          const split = splitTaxInclusive(gross, rate, intraState)
          const tax = lineTax(split.taxablePaise, rate, intraState)
          assert.deepEqual(
            [split.cgstPaise, split.sgstPaise, split.igstPaise],
            [tax.cgstPaise, tax.sgstPaise, tax.igstPaise]
          )
          assert.equal(
            split.taxablePaise +
              tax.cgstPaise +
              tax.sgstPaise +
              tax.igstPaise +
              split.roundOffPaise,
            gross
          )
          assert.isAtMost(Math.abs(split.roundOffPaise), 1)
          // Never further from the exact share than the rounding allows.
          assert.isAtMost(Math.abs(split.taxablePaise - (gross * 10_000) / (10_000 + rate)), 2)
        }
      ),
      { numRuns: 2_000 }
    )
  })

  test('a negative or fractional amount is refused', ({ assert }) => {
    assert.throws(() => splitTaxInclusive(-100, 1_800, true), /whole number of paise/)
    assert.throws(() => splitTaxInclusive(10.5, 1_800, true), /whole number of paise/)
  })
})
