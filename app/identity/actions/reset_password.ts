import db from '@adonisjs/lucid/services/db'
import { hashToken } from '#core/services/tokens'
import User from '#identity/models/user'
import PasswordResetToken from '#identity/models/password_reset_token'
import SetPassword from '#identity/actions/set_password'
import { dbTimestamp } from '#core/services/database_time'

export interface ResetPasswordInput {
  /** The raw token from the link. */
  token: string
  password: string
  origin?: { ip?: string | null; userAgent?: string | null }
}

export type ResetPasswordResult = { kind: 'reset'; user: User } | { kind: 'invalid_token' }

/** The reset token a link carries, if it can still be used (unused, unexpired, enabled account). */
export async function findUsableResetToken(token: string) {
  if (!token || token.length > 128) return null
  const record = await PasswordResetToken.query()
    .where('token_hash', hashToken(token))
    .preload('user')
    .first()
  if (!record || !record.isUsable || record.user.isDisabled) return null
  return record
}

/**
 * Sets a new password from a reset link. The token is claimed with a
 * conditional update, so two submissions of one link cannot both succeed;
 * the user's other links, sessions and remember-me tokens stop working.
 */
export default class ResetPassword {
  static async handle(input: ResetPasswordInput): Promise<ResetPasswordResult> {
    const record = await findUsableResetToken(input.token)
    if (!record) return { kind: 'invalid_token' }

    return db.transaction(async (trx) => {
      const usedAt = dbTimestamp(trx)
      const claimed = await trx
        .from('password_reset_tokens')
        .where('id', record.id)
        .whereNull('used_at')
        .update({ used_at: usedAt, updated_at: usedAt })
      if (Number(Array.isArray(claimed) ? claimed[0] : claimed) !== 1)
        return { kind: 'invalid_token' as const }

      const user = await SetPassword.handle(
        {
          userId: record.userId,
          password: input.password,
          action: 'auth.password_reset',
          origin: input.origin,
        },
        trx
      )
      await trx
        .from('password_reset_tokens')
        .where('user_id', user.id)
        .whereNull('used_at')
        .update({ used_at: usedAt, updated_at: usedAt })
      return { kind: 'reset' as const, user }
    })
  }
}
