import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import RecordAudit from '#core/actions/record_audit'
import User from '#identity/models/user'
import RevokeSessions from '#identity/actions/revoke_sessions'

export interface SetPasswordInput {
  userId: string
  password: string
  /** How the password came to change, as the audit log names it. */
  action: 'auth.password_changed' | 'auth.password_reset'
  /** The session that made the change keeps going; every other one ends. */
  exceptSessionId?: string
  origin?: { ip?: string | null; userAgent?: string | null }
}

/**
 * The step a change and a reset share, inside the caller's transaction: the
 * new password saved, the user's other sessions and remember-me tokens
 * revoked, and a warning in the audit log.
 */
export default class SetPassword {
  static async handle(input: SetPasswordInput, trx: TransactionClientContract) {
    const user = await User.findOrFail(input.userId, { client: trx })
    user.password = input.password
    await user.save()
    await RevokeSessions.handle({ userId: user.id, exceptSessionId: input.exceptSessionId }, trx)
    await RecordAudit.handle(
      {
        action: input.action,
        actorUserId: user.id,
        entityType: 'user',
        entityId: user.id,
        severity: 'warning',
        origin: input.origin,
      },
      trx
    )
    return user
  }
}
