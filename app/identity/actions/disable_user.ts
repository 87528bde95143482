import { DateTime } from 'luxon'
import db from '@adonisjs/lucid/services/db'
import RecordAudit from '#core/actions/record_audit'
import User from '#identity/models/user'
import RevokeSessions from '#identity/actions/revoke_sessions'

export interface DisableUserInput {
  user: User
  /** Who disabled the account (platform staff); null for the system. */
  actorUserId?: string | null
  reason?: string
  origin?: { ip?: string | null; userAgent?: string | null }
}

/**
 * Disables an account: it can no longer log in, and every session and
 * remember-me token it holds stops working on the next request.
 */
export default class DisableUser {
  static async handle(input: DisableUserInput) {
    return db.transaction(async (trx) => {
      const user = await User.query({ client: trx }).where('id', input.user.id).firstOrFail()
      if (!user.disabledAt) {
        user.disabledAt = DateTime.now()
        await user.save()
      }
      await RevokeSessions.handle({ userId: user.id }, trx)
      await RecordAudit.handle(
        {
          action: 'user.disabled',
          actorUserId: input.actorUserId ?? null,
          entityType: 'user',
          entityId: user.id,
          severity: 'warning',
          origin: input.origin,
          metadata: input.reason ? { reason: input.reason } : undefined,
        },
        trx
      )
      return user
    })
  }
}
