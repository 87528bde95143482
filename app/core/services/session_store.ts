import string from '@poppinss/utils/string'
import { configProvider } from '@adonisjs/core'
import { MessageBuilder } from '@adonisjs/core/helpers'
import { RuntimeException } from '@adonisjs/core/exceptions'
import type { HttpContext } from '@adonisjs/core/http'
import type { QueryClientContract } from '@adonisjs/lucid/types/database'
import type { SessionConfig, SessionData, SessionStoreFactory } from '@adonisjs/session/types'

/**
 * Where a session's values live:
 *
 * - A signed-in session (it holds the session guard's `auth_*` key) is a row
 *   of the `sessions` table, tagged with its user, so logout, member removal,
 *   a password change or a disabled account can end it from anywhere.
 * - A guest's session (the CSRF secret of the login or sign-up form, a flash
 *   message, where to go after signing in) is an encrypted cookie: an
 *   anonymous page view writes no row, and a thousand of them cost the
 *   database nothing. Encrypted with APP_KEY (AES + HMAC), so it can be
 *   neither read nor forged.
 *
 * A guest session too big for a cookie (a long form's flashed input) falls
 * back to a row. Signing in moves the session to a row (the guard regenerates
 * its id), signing out back to a cookie. Expiry slides with use, but a row's
 * expiry is written at most once a minute, not on every request.
 */

/** Name of the cookie that carries a guest's session values. */
export const GUEST_SESSION_COOKIE = 'authentix_guest'

/** Values a browser reliably keeps per cookie is 4,096 bytes with its name and attributes. */
const MAX_GUEST_COOKIE_BYTES = 3_600

/** A row's expiry is moved forward at most this often. */
const TOUCH_EVERY_MS = 60_000

type GuestCookie = { id: string; values: SessionData }

const isSignedIn = (values: SessionData) =>
  Object.keys(values).some((key) => key.startsWith('auth_'))

export class TieredSessionStore {
  /** None outside a request (a test writing a session): then every session is a row. */
  #ctx: HttpContext | null
  #client: QueryClientContract
  #tableName: string
  #ttlMs: number
  #cookieOptions: SessionConfig['cookie']
  #cookieName: string
  /** Where this request found the session, and when its row expires. */
  #source: 'cookie' | 'row' | null = null
  #rowExpiresAt = 0

  constructor(
    ctx: HttpContext | null,
    client: QueryClientContract,
    options: { tableName: string; config: SessionConfig }
  ) {
    this.#ctx = ctx
    this.#client = client
    this.#tableName = options.tableName
    this.#ttlMs = string.seconds.parse(options.config.age) * 1000
    this.#cookieOptions = options.config.cookie
    this.#cookieName = options.config.cookieName
  }

  async read(sessionId: string): Promise<SessionData | null> {
    const guest = this.#guestCookie()
    if (guest?.id === sessionId) {
      this.#source = 'cookie'
      return guest.values
    }
    // A visitor without a (validly signed) session id cookie has no row: nothing to look up.
    if (this.#ctx && this.#ctx.request.cookie(this.#cookieName) === undefined) return null
    const row = await this.#client.from(this.#tableName).where('id', sessionId).first()
    if (!row) return null
    const expiresAt = new Date(row.expires_at).getTime()
    if (Date.now() > expiresAt) {
      await this.destroy(sessionId)
      return null
    }
    const values = this.#verify(row.data, sessionId)
    if (!values) return null
    this.#source = 'row'
    this.#rowExpiresAt = expiresAt
    return values
  }

  async write(sessionId: string, values: SessionData) {
    const cookie = this.#ctx && !isSignedIn(values) && this.#encodedGuest(sessionId, values)
    if (this.#ctx && cookie) {
      this.#ctx.response.encryptedCookie(GUEST_SESSION_COOKIE, cookie, this.#guestCookieOptions())
      if (this.#source === 'row') await this.#deleteRow(sessionId)
      this.#source = 'cookie'
      return
    }
    const data = new MessageBuilder().build(values, undefined, sessionId)
    const expiresAt = new Date(Date.now() + this.#ttlMs)
    await this.#client
      .insertQuery()
      .table(this.#tableName)
      .insert({ id: sessionId, data, expires_at: expiresAt })
      .knexQuery.onConflict('id')
      .merge(['data', 'expires_at'])
    if (this.#source === 'cookie' || this.#guestCookie()) this.#clearGuestCookie()
    this.#source = 'row'
    this.#rowExpiresAt = expiresAt.getTime()
  }

  async destroy(sessionId: string) {
    if (this.#source === 'cookie') {
      this.#clearGuestCookie()
    } else {
      await this.#deleteRow(sessionId)
      if (this.#guestCookie()) this.#clearGuestCookie()
    }
    this.#source = null
  }

  async touch(sessionId: string) {
    if (this.#source === 'cookie') {
      const guest = this.#guestCookie()
      if (guest && this.#ctx) {
        this.#ctx.response.encryptedCookie(GUEST_SESSION_COOKIE, guest, this.#guestCookieOptions())
      }
      return
    }
    if (this.#source !== 'row') return
    const expiresAt = Date.now() + this.#ttlMs
    if (expiresAt - this.#rowExpiresAt < TOUCH_EVERY_MS) return
    await this.#client
      .from(this.#tableName)
      .where('id', sessionId)
      .update({ expires_at: new Date(expiresAt) })
    this.#rowExpiresAt = expiresAt
  }

  /** Marks the row with its user (`RevokeSessions` finds a user's sessions by it). */
  async tag(sessionId: string, userId: string) {
    const data = new MessageBuilder().build({}, undefined, sessionId)
    const expiresAt = new Date(Date.now() + this.#ttlMs)
    await this.#client
      .insertQuery()
      .table(this.#tableName)
      .insert({ id: sessionId, user_id: userId, data, expires_at: expiresAt })
      .knexQuery.onConflict('id')
      .merge(['user_id'])
  }

  #guestCookie(): GuestCookie | null {
    if (!this.#ctx) return null
    const value = this.#ctx.request.encryptedCookie(GUEST_SESSION_COOKIE)
    if (!value || typeof value !== 'object') return null
    const { id, values } = value as Partial<GuestCookie>
    if (typeof id !== 'string' || !values || typeof values !== 'object') return null
    return { id, values }
  }

  /** The cookie's value, or false when it would not fit in a cookie. */
  #encodedGuest(sessionId: string, values: SessionData): GuestCookie | false {
    const cookie = { id: sessionId, values }
    // Encryption adds its IV, tag and base64: about 4/3 of the JSON plus 80 bytes.
    const estimate = Math.ceil((Buffer.byteLength(JSON.stringify(cookie)) * 4) / 3) + 120
    return estimate <= MAX_GUEST_COOKIE_BYTES ? cookie : false
  }

  #guestCookieOptions() {
    return { ...this.#cookieOptions, maxAge: Math.floor(this.#ttlMs / 1000) }
  }

  #clearGuestCookie() {
    this.#ctx?.response.clearCookie(GUEST_SESSION_COOKIE, this.#cookieOptions)
  }

  #deleteRow(sessionId: string) {
    return this.#client.from(this.#tableName).where('id', sessionId).delete()
  }

  #verify(contents: string, sessionId: string): SessionData | null {
    try {
      return new MessageBuilder().verify(contents, sessionId)
    } catch {
      return null
    }
  }
}

/** The `sessions` table for signed-in sessions, an encrypted cookie for guests' (see above). */
export function tieredSessionStore(options: { tableName: string; connectionName?: string }) {
  return configProvider.create(async (app) => {
    const db = await app.container.make('lucid.db')
    const connectionName = options.connectionName ?? db.primaryConnectionName
    if (!db.manager.has(connectionName)) {
      throw new RuntimeException(
        `Invalid database connection "${connectionName}" in config/session.ts`
      )
    }
    const factory: SessionStoreFactory = (ctx, config) =>
      new TieredSessionStore(ctx, db.connection(connectionName), {
        tableName: options.tableName,
        config,
      })
    return factory
  })
}
