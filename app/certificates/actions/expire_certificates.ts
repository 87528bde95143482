import db from '@adonisjs/lucid/services/db'
import { DateTime } from 'luxon'
import { dbTimestamp } from '#core/services/database_time'

/**
 * Issued certificates whose `expires_at` has passed become `expired`. One
 * conditional UPDATE: idempotent, safe to run every minute from several
 * processes at once (a second run finds nothing to change).
 */
export default class ExpireCertificates {
  static async handle(now: DateTime = DateTime.utc()): Promise<number> {
    const client = db.connection()
    const at = dbTimestamp(client, now)
    const updated = await client
      .from('certificates')
      .where('status', 'issued')
      .whereNotNull('expires_at')
      .where('expires_at', '<=', at)
      .update({ status: 'expired', updated_at: at })
    return Array.isArray(updated) ? Number(updated[0] ?? 0) : Number(updated)
  }
}
