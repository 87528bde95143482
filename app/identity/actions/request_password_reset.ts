import { DateTime } from 'luxon'
import db from '@adonisjs/lucid/services/db'
import logger from '@adonisjs/core/services/logger'
import limiter from '@adonisjs/limiter/services/main'
import RecordAudit from '#core/actions/record_audit'
import { generateToken, hashToken } from '#core/services/tokens'
import { sendMail } from '#core/services/mailer'
import { appUrl } from '#config/app'
import User from '#identity/models/user'
import PasswordResetToken from '#identity/models/password_reset_token'

export const RESET_TOKEN_LIFETIME = { hours: 1 }

/** Reset mails per account, whatever the IP, so nobody can flood someone's inbox. */
export const RESET_MAILS_PER_ACCOUNT = { requests: 3, duration: '1 hour' } as const

export interface RequestPasswordResetInput {
  email: string
  origin?: { ip?: string | null; userAgent?: string | null }
}

export type RequestPasswordResetResult =
  /** `delivery` settles when the mail has left; it never rejects (failures are logged). */
  { kind: 'sent'; delivery: Promise<void> } | { kind: 'not_sent' }

/**
 * Issues a single-use reset link (only its SHA-256 is stored) and mails it.
 * Unknown, disabled and over-limit accounts get no mail; the caller answers
 * every case identically, and does not wait for the mail, so neither the
 * response nor its timing tells whether an account exists.
 */
export default class RequestPasswordReset {
  static async handle(input: RequestPasswordResetInput): Promise<RequestPasswordResetResult> {
    const email = User.normalizeEmail(input.email)
    const user = await User.findBy('email', email)
    if (!user || user.isDisabled) return { kind: 'not_sent' }

    const perAccount = limiter.use({ ...RESET_MAILS_PER_ACCOUNT })
    const key = `reset_mail_${user.id}`
    const state = await perAccount.get(key)
    if (state && state.remaining <= 0) return { kind: 'not_sent' }
    await perAccount.increment(key)

    const token = generateToken()
    const expiresAt = DateTime.now().plus(RESET_TOKEN_LIFETIME)
    await db.transaction(async (trx) => {
      await PasswordResetToken.create(
        { userId: user.id, tokenHash: hashToken(token), expiresAt, usedAt: null },
        { client: trx }
      )
      await RecordAudit.handle(
        {
          action: 'auth.password_reset_requested',
          actorUserId: user.id,
          entityType: 'user',
          entityId: user.id,
          origin: input.origin,
        },
        trx
      )
    })

    const delivery = sendMail({
      to: user.email,
      subject: 'Reset your Authentix password',
      html: 'pages/identity/mail/reset_password',
      text: 'pages/identity/mail/reset_password_text',
      data: { link: `${appUrl}/reset-password/${token}`, expiresInMinutes: 60 },
    }).then(
      () => undefined,
      (error) =>
        logger.error({ err: error, userId: user.id }, 'password reset mail could not be sent')
    )
    return { kind: 'sent', delivery }
  }
}
