import db from '@adonisjs/lucid/services/db'

/**
 * Deletes the `sessions` rows whose expiry has passed (a signed-in session
 * nobody used for `config/session.ts` `age`). Such a row can no longer be
 * read (the store refuses it), so this only gives the space back; the
 * scheduler runs it hourly (`node ace sessions:prune`).
 */
export default class PruneExpiredSessions {
  static async handle(now = new Date()) {
    const deleted = await db.from('sessions').where('expires_at', '<=', now).delete()
    return { deleted: Number(Array.isArray(deleted) ? deleted[0] : deleted) || 0 }
  }
}
