import { DateTime } from 'luxon'
import db from '@adonisjs/lucid/services/db'
import RecordAudit from '#core/actions/record_audit'
import { sendMail } from '#core/services/mailer'
import User from '#identity/models/user'
import { dbTimestamp } from '#core/services/database_time'
import { formatDateTime } from '#core/services/formatting'

export interface ChangeEmailInput {
  user: User
  password: string
  newEmail: string
  origin?: { ip?: string | null; userAgent?: string | null }
}

export type ChangeEmailResult =
  | { kind: 'changed'; oldEmail: string; newEmail: string }
  | { kind: 'wrong_password' }
  | { kind: 'email_taken' }
  | { kind: 'unchanged' }

/**
 * Changes the login email after the password is re-entered, and tells the
 * old address (so a hijacked session cannot quietly take the account over).
 * Reset links already sent to the old address stop working.
 */
export default class ChangeEmail {
  static async handle(input: ChangeEmailInput): Promise<ChangeEmailResult> {
    const newEmail = User.normalizeEmail(input.newEmail)
    if (!(await input.user.verifyPassword(input.password))) {
      await RecordAudit.handle({
        action: 'auth.email_change_failed',
        actorUserId: input.user.id,
        entityType: 'user',
        entityId: input.user.id,
        severity: 'warning',
        origin: input.origin,
        metadata: { reason: 'wrong_password' },
      })
      return { kind: 'wrong_password' }
    }
    if (newEmail === input.user.email) return { kind: 'unchanged' }
    if (await User.query().where('email', newEmail).whereNot('id', input.user.id).first())
      return { kind: 'email_taken' }

    const oldEmail = input.user.email
    try {
      await db.transaction(async (trx) => {
        const user = await User.findOrFail(input.user.id, { client: trx })
        user.email = newEmail
        await user.save()
        const now = dbTimestamp(trx)
        await trx
          .from('password_reset_tokens')
          .where('user_id', user.id)
          .whereNull('used_at')
          .update({ used_at: now, updated_at: now })
        await RecordAudit.handle(
          {
            action: 'auth.email_changed',
            actorUserId: user.id,
            entityType: 'user',
            entityId: user.id,
            severity: 'warning',
            origin: input.origin,
            metadata: { from: oldEmail, to: newEmail },
          },
          trx
        )
      })
    } catch (error: any) {
      // Lost a race with another sign-up or change to the same address.
      if (/unique|duplicate/i.test(String(error?.message ?? error?.code)))
        return { kind: 'email_taken' }
      throw error
    }
    input.user.email = newEmail

    await sendMail({
      to: oldEmail,
      subject: 'Your Authentix email address was changed',
      html: 'pages/identity/mail/email_changed',
      text: 'pages/identity/mail/email_changed_text',
      data: {
        oldEmail,
        newEmail,
        changedAt: formatDateTime(DateTime.now()),
      },
    })
    return { kind: 'changed', oldEmail, newEmail }
  }
}
