import { CSV_BOM, csvCell } from '#core/services/csv_export'
import type Organization from '#orgs/models/organization'
import OrgLedger, { type LedgerEntry } from '#billing/queries/org_ledger'

/**
 * Paise as rupees with two decimals, by integer arithmetic (no float ever
 * holds an amount): 123456 → "1234.56", -5 → "-0.05". No grouping, so a
 * spreadsheet reads it as the number it is.
 */
export function decimalRupees(paise: number) {
  if (!Number.isSafeInteger(paise)) throw new Error(`not a whole number of paise: ${paise}`)
  const magnitude = Math.abs(paise)
  const rupees = (magnitude - (magnitude % 100)) / 100
  return `${paise < 0 ? '-' : ''}${rupees}.${String(magnitude % 100).padStart(2, '0')}`
}

const HEADER = [
  'Date (IST)',
  'Time (UTC)',
  'Kind',
  'Description',
  'Reference',
  'Debit (INR)',
  'Credit (INR)',
  'Balance (INR)',
  'Moves balance',
  'Notes',
]

/**
 * One entry as a CSV line. Text goes through `csvCell` (quoted, formula-safe);
 * the amounts are ours, digits with a sign and a point, so they are written
 * as they are: the formula guard would turn a negative balance into text.
 */
function statementLine(entry: LedgerEntry) {
  const text = (value: unknown) => csvCell(value)
  const amount = (paise: number | null) => (paise === null ? '' : decimalRupees(paise))
  return `${[
    text(entry.day),
    text(entry.at.toUTC().toISO({ suppressMilliseconds: true })),
    text(entry.kind),
    text(entry.description),
    text(entry.reference),
    amount(entry.debitPaise),
    amount(entry.creditPaise),
    amount(entry.balancePaise),
    text(entry.movesBalance ? 'yes' : 'no'),
    text(entry.notes.join('; ')),
  ].join(',')}\r\n`
}

/** The org's whole ledger as a CSV statement, oldest first, a batch of entries at a time. */
export async function* ledgerStatement(org: Pick<Organization, 'id'>) {
  yield CSV_BOM + `${HEADER.map((cell) => csvCell(cell)).join(',')}\r\n`
  for await (const entries of OrgLedger.all(org)) {
    if (entries.length > 0) yield entries.map(statementLine).join('')
  }
}
