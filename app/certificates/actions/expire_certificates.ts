import db from '@adonisjs/lucid/services/db'
import { DateTime } from 'luxon'
import { dbTimestamp } from '#core/services/database_time'
import Certificate from '#certificates/models/certificate'

/**
 * Issued certificates whose `expires_at` has passed become `expired`
 * (`Certificate.dueToExpire`, the model's rule). One
 * conditional UPDATE: idempotent, safe to run every minute from several
 * processes at once (a second run finds nothing to change).
 */
export default class ExpireCertificates {
  static async handle(now: DateTime = DateTime.utc()): Promise<number> {
    const client = db.connection()
    const at = dbTimestamp(client, now)
    const updated = await Certificate.query({ client })
      .withScopes((scopes) => scopes.dueToExpire(at))
      .update({ status: 'expired', updated_at: at })
    return Array.isArray(updated) ? Number(updated[0] ?? 0) : Number(updated)
  }
}
