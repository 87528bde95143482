import db from '@adonisjs/lucid/services/db'
import RecordAudit from '#core/actions/record_audit'
import type User from '#identity/models/user'
import SetPassword from '#identity/actions/set_password'

export interface ChangePasswordInput {
  user: User
  currentPassword: string
  newPassword: string
  /** The session making the change; every other session is signed out. */
  currentSessionId?: string
  origin?: { ip?: string | null; userAgent?: string | null }
}

export type ChangePasswordResult = { kind: 'changed' } | { kind: 'wrong_password' }

export default class ChangePassword {
  static async handle(input: ChangePasswordInput): Promise<ChangePasswordResult> {
    if (!(await input.user.verifyPassword(input.currentPassword))) {
      await RecordAudit.handle({
        action: 'auth.password_change_failed',
        actorUserId: input.user.id,
        entityType: 'user',
        entityId: input.user.id,
        severity: 'warning',
        origin: input.origin,
        metadata: { reason: 'wrong_current_password' },
      })
      return { kind: 'wrong_password' }
    }

    await db.transaction((trx) =>
      SetPassword.handle(
        {
          userId: input.user.id,
          password: input.newPassword,
          action: 'auth.password_changed',
          exceptSessionId: input.currentSessionId,
          origin: input.origin,
        },
        trx
      )
    )
    return { kind: 'changed' }
  }
}
