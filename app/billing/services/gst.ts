/**
 * The arithmetic of a GST tax invoice, in integer paise (never a float):
 * each line's taxable value and its tax, the invoice's totals, the optional
 * round-off to whole rupees, and the amount in words.
 *
 * The rules (CGST Rules 46, `../shared/reference/integrations.md` "GST"):
 * tax is computed per line and rounded per line, half-up (a half paisa goes
 * away from zero, so a credit line mirrors its charge exactly); within the
 * supplier's state a line pays CGST and SGST, each at half the rate and each
 * rounded on its own, elsewhere IGST at the full rate, so the two may differ
 * by one paisa on a line; the invoice's totals are the sums of its lines.
 * Rates are basis points (1,800 = 18 %) so that no rate is a float either.
 */

/** One line as billed: `quantity` × `unitPaise` (a credit has a negative unit price). */
export interface InvoiceLineInput {
  description: string
  quantity: number
  unitPaise: number
  /** The line's own rate, in basis points; the invoice's when absent. */
  rateBasisPoints?: number
}

export interface TaxedLine extends InvoiceLineInput {
  taxablePaise: number
  rateBasisPoints: number
  cgstPaise: number
  sgstPaise: number
  igstPaise: number
  totalPaise: number
}

export interface InvoiceTotals {
  lines: TaxedLine[]
  taxablePaise: number
  cgstPaise: number
  sgstPaise: number
  igstPaise: number
  taxPaise: number
  /** What the round-off line adds (−50 … +50 paise), 0 without one. */
  roundOffPaise: number
  totalPaise: number
}

export class MoneyError extends Error {}

function wholePaise(value: number, what: string) {
  if (!Number.isSafeInteger(value))
    throw new MoneyError(`${what} must be a whole number of paise, not ${value}`)
  return value
}

/**
 * `paise × numerator ÷ denominator`, rounded half away from zero, exactly
 * (in BigInt: 10¹² paise × 10⁴ basis points is past 2⁵³).
 */
export function shareOf(paise: number, numerator: number, denominator: number): number {
  wholePaise(paise, 'an amount')
  if (!Number.isSafeInteger(numerator) || !Number.isSafeInteger(denominator) || denominator <= 0) {
    throw new MoneyError(
      `a share needs whole numbers and a positive denominator (${numerator}/${denominator})`
    )
  }
  const product = BigInt(paise) * BigInt(numerator)
  const negative = product < 0n
  const magnitude = negative ? -product : product
  const d = BigInt(denominator)
  const rounded = (magnitude * 2n + d) / (2n * d)
  const result = Number(negative ? -rounded : rounded)
  return wholePaise(result, 'a share')
}

/** A line's tax: CGST + SGST (each half the rate, rounded alone) within the state, else IGST. */
export function lineTax(taxablePaise: number, rateBasisPoints: number, intraState: boolean) {
  if (!Number.isSafeInteger(rateBasisPoints) || rateBasisPoints < 0 || rateBasisPoints > 10_000) {
    throw new MoneyError(`a GST rate is 0 to 10,000 basis points, not ${rateBasisPoints}`)
  }
  if (intraState) {
    const half = shareOf(taxablePaise, rateBasisPoints, 20_000)
    return { cgstPaise: half, sgstPaise: half, igstPaise: 0 }
  }
  return { cgstPaise: 0, sgstPaise: 0, igstPaise: shareOf(taxablePaise, rateBasisPoints, 10_000) }
}

/**
 * Prices and taxes an invoice's lines and totals them; with `roundOff`, a
 * last adjustment (half-up, at most 50 paise either way) makes the total
 * whole rupees, as the amount Razorpay collects must then be.
 */
export function invoiceTotals(
  lines: InvoiceLineInput[],
  options: { rateBasisPoints: number; intraState: boolean; roundOff: boolean }
): InvoiceTotals {
  const taxed = lines.map((line): TaxedLine => {
    if (!Number.isSafeInteger(line.quantity) || line.quantity < 0) {
      throw new MoneyError(
        `“${line.description}”: the quantity must be a whole number ≥ 0, not ${line.quantity}`
      )
    }
    wholePaise(line.unitPaise, `“${line.description}”: the unit price`)
    const taxablePaise = wholePaise(
      line.quantity * line.unitPaise,
      `“${line.description}”: the amount`
    )
    const rateBasisPoints = line.rateBasisPoints ?? options.rateBasisPoints
    const tax = lineTax(taxablePaise, rateBasisPoints, options.intraState)
    return {
      ...line,
      taxablePaise,
      rateBasisPoints,
      ...tax,
      totalPaise: taxablePaise + tax.cgstPaise + tax.sgstPaise + tax.igstPaise,
    }
  })
  const sum = (pick: (line: TaxedLine) => number) =>
    taxed.reduce((total, line) => total + pick(line), 0)
  const taxablePaise = sum((line) => line.taxablePaise)
  const cgstPaise = sum((line) => line.cgstPaise)
  const sgstPaise = sum((line) => line.sgstPaise)
  const igstPaise = sum((line) => line.igstPaise)
  const taxPaise = cgstPaise + sgstPaise + igstPaise
  const beforeRounding = wholePaise(taxablePaise + taxPaise, 'the invoice total')
  const roundOffPaise = options.roundOff
    ? shareOf(beforeRounding, 1, 100) * 100 - beforeRounding
    : 0
  return {
    lines: taxed,
    taxablePaise,
    cgstPaise,
    sgstPaise,
    igstPaise,
    taxPaise,
    roundOffPaise,
    totalPaise: beforeRounding + roundOffPaise,
  }
}

/** A month's fee for `days` of its `daysInMonth` (a first period from the trial's end), half-up. */
export function proratedPaise(monthlyPaise: number, days: number, daysInMonth: number) {
  if (!Number.isSafeInteger(days) || days < 0 || days > daysInMonth) {
    throw new MoneyError(`a prorated period is 0 to ${daysInMonth} days, not ${days}`)
  }
  return shareOf(monthlyPaise, days, daysInMonth)
}

const ONES = [
  '',
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
]
const TENS = ['', '', 'Twenty', 'Thirty', 'Forty', 'Fifty', 'Sixty', 'Seventy', 'Eighty', 'Ninety']

/** 1–99 in words (“Forty-Seven”). */
function belowHundred(n: number) {
  if (n < 20) return ONES[n]
  return ONES[n % 10] ? `${TENS[Math.floor(n / 10)]}-${ONES[n % 10]}` : TENS[Math.floor(n / 10)]
}

/** 1–999 in words. */
function belowThousand(n: number) {
  const hundreds = Math.floor(n / 100)
  const rest = n % 100
  return [hundreds ? `${ONES[hundreds]} Hundred` : '', rest ? belowHundred(rest) : '']
    .filter(Boolean)
    .join(' ')
}

/**
 * A whole number in words with Indian grouping: crore (10⁷), lakh (10⁵),
 * thousand, hundred; what is above a crore is itself counted in crores
 * (“One Lakh Crore” for 10¹²).
 */
export function indianNumberInWords(n: number): string {
  if (!Number.isSafeInteger(n) || n < 0) throw new MoneyError(`not a whole number ≥ 0: ${n}`)
  if (n === 0) return 'Zero'
  const crores = Math.floor(n / 10_000_000)
  const lakhs = Math.floor((n % 10_000_000) / 100_000)
  const thousands = Math.floor((n % 100_000) / 1_000)
  const rest = n % 1_000
  return [
    crores ? `${indianNumberInWords(crores)} Crore` : '',
    lakhs ? `${belowHundred(lakhs)} Lakh` : '',
    thousands ? `${belowHundred(thousands)} Thousand` : '',
    rest ? belowThousand(rest) : '',
  ]
    .filter(Boolean)
    .join(' ')
}

/** An amount as a tax invoice writes it: “Rupees Forty-Seven Thousand Eighty-Two and Fifty Paise Only”. */
export function amountInWords(paise: number): string {
  wholePaise(paise, 'an amount')
  const negative = paise < 0
  const magnitude = Math.abs(paise)
  const rupees = Math.floor(magnitude / 100)
  const rest = magnitude % 100
  const words = [`Rupees ${indianNumberInWords(rupees)}`]
  if (rest) words.push(`and ${belowHundred(rest)} Paise`)
  return `${negative ? 'Minus ' : ''}${words.join(' ')} Only`
}
