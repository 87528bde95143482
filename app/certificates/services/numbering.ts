import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import { rowsOf } from '#core/services/bulk_insert'
import { dbTimestamp } from '#core/services/database_time'

/**
 * Gapless certificate numbers: one counter row per org, moved forward by
 * `UPDATE … RETURNING` inside the transaction that inserts the
 * certificates, so the row lock (PostgreSQL) or the write lock (SQLite)
 * orders concurrent issuers and a rollback gives the numbers back.
 * PostgreSQL sequences would leave gaps (values are consumed by rollbacks).
 * Returns the first of `count` consecutive numbers.
 */
export async function allocateNumbers(
  trx: TransactionClientContract,
  orgId: string,
  count: number
): Promise<number> {
  const now = dbTimestamp(trx)
  await trx.rawQuery(
    `INSERT INTO organization_certificate_counters (organization_id, last_number, updated_at) VALUES (?, 0, ?) ON CONFLICT (organization_id) DO NOTHING`,
    [orgId, now]
  )
  const result = await trx.rawQuery(
    `UPDATE organization_certificate_counters SET last_number = last_number + ?, updated_at = ? WHERE organization_id = ? RETURNING last_number`,
    [count, now, orgId]
  )
  const last = Number(rowsOf<{ last_number: number | string }>(result)[0].last_number)
  return last - count + 1
}
