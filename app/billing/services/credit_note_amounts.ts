import { lineTax, MoneyError, shareOf } from '#billing/services/gst'

export interface TaxInclusiveSplit {
  taxablePaise: number
  cgstPaise: number
  sgstPaise: number
  igstPaise: number
  /** 0, or the paisa the per-line rounding cannot reach (then the credit note's round-off line). */
  roundOffPaise: number
}

/**
 * An amount that includes GST (a refund) split back into its taxable value
 * and tax at the original invoice's rate, taxed as `gst.ts` taxes a line
 * (per line, half-up; CGST + SGST or IGST), so that taxable + tax is the
 * amount exactly: the taxable value nearest `gross × 10,000 ÷ (10,000 +
 * rate)` for which it is. A paisa more of taxable value adds its tax too,
 * so the total moves in steps of one or two paise (two more often with
 * CGST and SGST each rounded) and some amounts have no such value; then the
 * nearest one and a round-off of one paisa.
 */
export function splitTaxInclusive(
  grossPaise: number,
  rateBasisPoints: number,
  intraState: boolean
): TaxInclusiveSplit {
  if (!Number.isSafeInteger(grossPaise) || grossPaise < 0) {
    throw new MoneyError(`an amount to split is a whole number of paise ≥ 0, not ${grossPaise}`)
  }
  const estimate = shareOf(grossPaise, 10_000, 10_000 + rateBasisPoints)
  const taxed = (taxablePaise: number) => {
    const tax = lineTax(taxablePaise, rateBasisPoints, intraState)
    return {
      taxablePaise,
      ...tax,
      total: taxablePaise + tax.cgstPaise + tax.sgstPaise + tax.igstPaise,
    }
  }
  for (const step of [0, -1, 1, -2, 2]) {
    if (estimate + step < 0) continue
    const { total, ...split } = taxed(estimate + step)
    if (total === grossPaise) return { ...split, roundOffPaise: 0 }
  }
  const { total, ...split } = taxed(estimate)
  return { ...split, roundOffPaise: grossPaise - total }
}
