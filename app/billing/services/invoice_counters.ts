import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import { rowsOf } from '#core/services/bulk_insert'

/**
 * The next number of an org's invoice, credit note or receipt voucher series: an upsert
 * `… RETURNING` in the issuing transaction, so a rollback gives the number
 * back and the series stays gapless (PostgreSQL's sequences would not).
 */
export async function nextInSeries(
  trx: TransactionClientContract,
  orgId: string,
  series: 'invoice' | 'credit_note' | 'receipt_voucher',
  stamp: string
) {
  const result = await trx.rawQuery(
    `INSERT INTO billing_invoice_counters (organization_id, series, last_number, updated_at)
     VALUES (?, ?, 1, ?)
     ON CONFLICT (organization_id, series)
     DO UPDATE SET last_number = billing_invoice_counters.last_number + 1, updated_at = excluded.updated_at
     RETURNING last_number`,
    [orgId, series, stamp]
  )
  return Number(rowsOf<{ last_number: number | string }>(result)[0].last_number)
}
