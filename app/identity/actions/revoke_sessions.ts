import db from '@adonisjs/lucid/services/db'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'

export interface RevokeSessionsInput {
  userId: string
  /** The session making the change, when it should survive (e.g. change password). */
  exceptSessionId?: string
}

/**
 * Signs a user out everywhere: deletes their server-side sessions (rows
 * tagged with their id in the database session store) and every remember-me
 * token, so neither an old session cookie nor a remember-me cookie works again.
 */
export default class RevokeSessions {
  static async handle(input: RevokeSessionsInput, trx?: TransactionClientContract) {
    const client = trx ?? db
    const sessions = client.from('sessions').where('user_id', input.userId)
    if (input.exceptSessionId) sessions.whereNot('id', input.exceptSessionId)
    await sessions.delete()
    await client.from('remember_me_tokens').where('tokenable_id', input.userId).delete()
  }
}
