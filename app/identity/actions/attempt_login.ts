import { DateTime } from 'luxon'
import limiter from '@adonisjs/limiter/services/main'
import { errors as authErrors } from '@adonisjs/auth'
import RecordAudit from '#core/actions/record_audit'
import { hashToken } from '#core/services/tokens'
import User from '#identity/models/user'

/**
 * Failed logins allowed per account and IP, and per IP across accounts,
 * within the window; the next attempt is refused until the block expires.
 */
export const LOGIN_THROTTLE = {
  perAccount: { requests: 5, duration: '15 minutes', blockDuration: '15 minutes' },
  perIp: { requests: 50, duration: '15 minutes', blockDuration: '15 minutes' },
} as const

export interface AttemptLoginInput {
  email: string
  password: string
  origin: { ip: string; userAgent?: string | null }
}

export type AttemptLoginResult =
  | { kind: 'logged_in'; user: User }
  | { kind: 'invalid_credentials' }
  | { kind: 'disabled' }
  | { kind: 'throttled'; retryAfterSeconds: number }

/**
 * Checks credentials (constant time, unknown emails included) behind two
 * throttles that count failures only. The caller starts the session.
 */
export default class AttemptLogin {
  static async handle(input: AttemptLoginInput): Promise<AttemptLoginResult> {
    const email = User.normalizeEmail(input.email)
    const accountLimiter = limiter.use({ ...LOGIN_THROTTLE.perAccount })
    const ipLimiter = limiter.use({ ...LOGIN_THROTTLE.perIp })
    // Hashed so the key stays short and the table holds no email addresses.
    const accountKey = `login_account_${hashToken(`${email}|${input.origin.ip}`)}`
    const ipKey = `login_ip_${input.origin.ip}`

    for (const [limiterFor, key] of [
      [accountLimiter, accountKey],
      [ipLimiter, ipKey],
    ] as const) {
      const state = await limiterFor.get(key)
      if (state && state.remaining <= 0) {
        await RecordAudit.handle({
          action: 'auth.login_throttled',
          severity: 'warning',
          origin: input.origin,
          metadata: { email, scope: key === accountKey ? 'account' : 'ip' },
        })
        return { kind: 'throttled', retryAfterSeconds: Math.max(state.availableIn, 1) }
      }
    }

    let user: User
    try {
      user = await User.verifyCredentials(email, input.password)
    } catch (error) {
      if (!(error instanceof authErrors.E_INVALID_CREDENTIALS)) throw error
      for (const [limiterFor, key] of [
        [accountLimiter, accountKey],
        [ipLimiter, ipKey],
      ] as const) {
        const { consumed, limit } = await limiterFor.increment(key)
        if (consumed >= limit) await limiterFor.block(key, limiterFor.blockDuration)
      }
      await RecordAudit.handle({
        action: 'auth.login_failed',
        severity: 'warning',
        origin: input.origin,
        metadata: { email, reason: 'invalid_credentials' },
      })
      return { kind: 'invalid_credentials' }
    }

    if (user.isDisabled) {
      await RecordAudit.handle({
        action: 'auth.login_failed',
        actorUserId: user.id,
        entityType: 'user',
        entityId: user.id,
        severity: 'warning',
        origin: input.origin,
        metadata: { email, reason: 'account_disabled' },
      })
      return { kind: 'disabled' }
    }

    await accountLimiter.delete(accountKey)
    user.lastLoginAt = DateTime.now()
    await user.save()
    await RecordAudit.handle({
      action: 'auth.login',
      actorUserId: user.id,
      entityType: 'user',
      entityId: user.id,
      origin: input.origin,
    })
    return { kind: 'logged_in', user }
  }
}
