import { test } from '@japa/runner'
import fc from 'fast-check'
import {
  amountInWords,
  indianNumberInWords,
  invoiceTotals,
  lineTax,
  MoneyError,
  proratedPaise,
  shareOf,
} from '#billing/services/gst'

/*
| The arithmetic of a GST tax invoice, to the paisa: worked examples from
| our price book, then properties over random lines, rates and amounts
| (fast-check), each checked against an independent statement of the rule.
*/

const RATES = [0, 500, 1_200, 1_800, 2_800]

const line = fc.record({
  description: fc.constantFrom('Platform fee', 'Certificates', 'Credit'),
  quantity: fc.integer({ min: 0, max: 100_000 }),
  unitPaise: fc.integer({ min: -5_000_000, max: 50_000_000 }),
})

/** Words back to a number, written apart from the code under test: Indian grouping, crores of crores. */
function wordsToNumber(words: string): number {
  const small: Record<string, number> = {}
  ;[
    'Zero',
    'One',
    'Two',
    'Three',
    'Four',
    'Five',
    'Six',
    'Seven',
    'Eight',
    'Nine',
    'Ten',
    'Eleven',
    'Twelve',
    'Thirteen',
    'Fourteen',
    'Fifteen',
    'Sixteen',
    'Seventeen',
    'Eighteen',
    'Nineteen',
  ].forEach((word, index) => (small[word] = index))
  ;['Twenty', 'Thirty', 'Forty', 'Fifty', 'Sixty', 'Seventy', 'Eighty', 'Ninety'].forEach(
    (word, index) => (small[word] = (index + 2) * 10)
  )
  let total = 0
  let group = 0
  for (const token of words.split(' ')) {
    if (token === 'Hundred') group *= 100
    else if (token === 'Thousand') ((total += group * 1_000), (group = 0))
    else if (token === 'Lakh') ((total += group * 100_000), (group = 0))
    else if (token === 'Crore') ((total = (total + group) * 10_000_000), (group = 0))
    else group += token.split('-').reduce((sum, part) => sum + small[part], 0)
  }
  return total + group
}

test.group('GST arithmetic: worked examples', () => {
  test('the platform fee, 39,900 paise: CGST 3,591 + SGST 3,591 within the state, IGST 7,182 outside, 47,082 either way', ({
    assert,
  }) => {
    assert.deepEqual(lineTax(39_900, 1_800, true), {
      cgstPaise: 3_591,
      sgstPaise: 3_591,
      igstPaise: 0,
    })
    assert.deepEqual(lineTax(39_900, 1_800, false), {
      cgstPaise: 0,
      sgstPaise: 0,
      igstPaise: 7_182,
    })
    const invoice = invoiceTotals(
      [
        { description: 'Platform fee', quantity: 1, unitPaise: 39_900 },
        { description: 'Certificates', quantity: 250, unitPaise: 1_000 },
      ],
      { rateBasisPoints: 1_800, intraState: true, roundOff: false }
    )
    assert.equal(invoice.taxablePaise, 289_900)
    assert.equal(invoice.cgstPaise, 3_591 + 22_500)
    assert.equal(invoice.sgstPaise, 3_591 + 22_500)
    assert.equal(invoice.totalPaise, 47_082 + 295_000)
  })

  test('tax rounds half-up per line, and CGST and SGST each alone: 5 paise at 18 % is 0.45 + 0.45, so 0 + 0 within the state and 1 as IGST', ({
    assert,
  }) => {
    assert.deepEqual(lineTax(5, 1_800, true), { cgstPaise: 0, sgstPaise: 0, igstPaise: 0 })
    assert.deepEqual(lineTax(5, 1_800, false), { cgstPaise: 0, sgstPaise: 0, igstPaise: 1 })
    // 25 paise × 18 % = 4.5: half goes up; a credit of 25 paise mirrors it.
    assert.equal(shareOf(25, 1_800, 10_000), 5)
    assert.equal(shareOf(-25, 1_800, 10_000), -5)
  })

  test('a round-off line reaches whole rupees: 47,082 paise is 470.82 rupees, rounded to 471 with +18 paise', ({
    assert,
  }) => {
    const invoice = invoiceTotals(
      [{ description: 'Platform fee', quantity: 1, unitPaise: 39_900 }],
      {
        rateBasisPoints: 1_800,
        intraState: true,
        roundOff: true,
      }
    )
    assert.equal(invoice.roundOffPaise, 18)
    assert.equal(invoice.totalPaise, 47_100)
  })

  test('amounts in words use lakh and crore', ({ assert }) => {
    assert.equal(amountInWords(47_082), 'Rupees Four Hundred Seventy and Eighty-Two Paise Only')
    assert.equal(amountInWords(4_708_200), 'Rupees Forty-Seven Thousand Eighty-Two Only')
    assert.equal(indianNumberInWords(100_000), 'One Lakh')
    assert.equal(
      indianNumberInWords(123_456_789),
      'Twelve Crore Thirty-Four Lakh Fifty-Six Thousand Seven Hundred Eighty-Nine'
    )
    assert.equal(indianNumberInWords(1_000_000_000_000), 'One Lakh Crore')
    assert.equal(amountInWords(0), 'Rupees Zero Only')
    assert.equal(amountInWords(-150), 'Minus Rupees One and Fifty Paise Only')
  })

  test('a first period from the trial’s end is prorated by the day: 12 of 31 days of 39,900 is 15,445 paise', ({
    assert,
  }) => {
    assert.equal(proratedPaise(39_900, 12, 31), 15_445)
    assert.equal(proratedPaise(39_900, 31, 31), 39_900)
    assert.throws(() => proratedPaise(39_900, 32, 31), /0 to 31 days/)
  })

  test('a fraction of a paisa or a fractional quantity is refused, naming the line', ({
    assert,
  }) => {
    assert.throws(
      () =>
        invoiceTotals([{ description: 'Certificates', quantity: 3, unitPaise: 999.5 }], {
          rateBasisPoints: 1_800,
          intraState: true,
          roundOff: false,
        }),
      MoneyError,
      '“Certificates”: the unit price must be a whole number of paise, not 999.5'
    )
    assert.throws(
      () =>
        invoiceTotals([{ description: 'Certificates', quantity: 1.5, unitPaise: 1_000 }], {
          rateBasisPoints: 1_800,
          intraState: true,
          roundOff: false,
        }),
      /“Certificates”: the quantity must be a whole number/
    )
    assert.throws(() => lineTax(1_000, 18.5, true), /basis points/)
  })
})

test.group('GST arithmetic: properties', () => {
  test('an invoice’s totals are the sums of its lines to the paisa, and its total is taxable + tax + round-off', () => {
    fc.assert(
      fc.property(
        fc.array(line, { maxLength: 12 }),
        fc.constantFrom(...RATES),
        fc.boolean(),
        fc.boolean(),
        (lines, rate, intraState, roundOff) => {
          const invoice = invoiceTotals(lines, { rateBasisPoints: rate, intraState, roundOff })
          let taxable = 0
          let tax = 0
          for (const [index, taxed] of invoice.lines.entries()) {
            const expected = lines[index].quantity * lines[index].unitPaise
            if (taxed.taxablePaise !== expected) return false
            const lineTotal = taxed.cgstPaise + taxed.sgstPaise + taxed.igstPaise
            if (taxed.totalPaise !== expected + lineTotal) return false
            taxable += expected
            tax += lineTotal
          }
          return (
            invoice.taxablePaise === taxable &&
            invoice.taxPaise === tax &&
            invoice.taxPaise === invoice.cgstPaise + invoice.sgstPaise + invoice.igstPaise &&
            invoice.totalPaise === taxable + tax + invoice.roundOffPaise &&
            (roundOff
              ? invoice.totalPaise % 100 === 0 && Math.abs(invoice.roundOffPaise) <= 50
              : invoice.roundOffPaise === 0)
          )
        }
      )
    )
  })

  test('per line, CGST + SGST is the IGST of the same line within one paisa, CGST equals SGST, and a credit mirrors its charge', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -1e12, max: 1e12 }),
        fc.integer({ min: 0, max: 10_000 }),
        (taxable, rate) => {
          const intra = lineTax(taxable, rate, true)
          const inter = lineTax(taxable, rate, false)
          const mirrored = lineTax(-taxable, rate, true)
          return (
            Math.abs(intra.cgstPaise + intra.sgstPaise - inter.igstPaise) <= 1 &&
            intra.cgstPaise === intra.sgstPaise &&
            mirrored.cgstPaise === -intra.cgstPaise
          )
        }
      )
    )
  })

  test('each share is the exact product rounded half away from zero', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -1e12, max: 1e12 }),
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 1, max: 20_000 }),
        (paise, numerator, denominator) => {
          const exact = BigInt(paise) * BigInt(numerator)
          const d = BigInt(denominator)
          // A share past 2⁵³ paise is refused, never rounded by a float.
          const magnitude = exact < 0n ? -exact : exact
          if ((magnitude * 2n + d) / (2n * d) > BigInt(Number.MAX_SAFE_INTEGER)) {
            try {
              shareOf(paise, numerator, denominator)
              return false
            } catch (error) {
              return error instanceof MoneyError
            }
          }
          const share = BigInt(shareOf(paise, numerator, denominator))
          // |share × d − exact| ≤ d/2, and at exactly d/2 the share is the one farther from zero.
          const error = share * d - exact
          const twice = (error < 0n ? -error : error) * 2n
          if (twice > d) return false
          if (twice === d) return exact >= 0n ? error > 0n : error < 0n
          return true
        }
      )
    )
  })

  test('the amount in words reads back as the amount, rupees and paise', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e14 }), (paise) => {
        const words = amountInWords(paise)
        const match = /^Rupees (.+?)(?: and (.+) Paise)? Only$/.exec(words)
        if (!match) return false
        const rupees = wordsToNumber(match[1])
        const rest = match[2] ? wordsToNumber(match[2]) : 0
        return rupees * 100 + rest === paise
      })
    )
  })
})
