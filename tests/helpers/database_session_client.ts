import app from '@adonisjs/core/services/app'
import { configProvider } from '@adonisjs/core'
import { ApiClient, ApiRequest } from '@japa/api-client'
import { ValuesStore } from '@adonisjs/session'
import { GUEST_SESSION_COOKIE } from '#core/services/session_store'
import { SessionClient } from '@adonisjs/session/client'
import type { SessionData, SessionStoreContract } from '@adonisjs/session/types'

/**
 * A session store wrapper whose writes can be awaited: SessionClient fires
 * `write()` without awaiting it, which is harmless for the memory store but a
 * race with a database store (the request could reach the server first).
 */
class SettledStore implements SessionStoreContract {
  #pending = new Set<Promise<unknown>>()
  /** Write over an existing session's data instead of replacing it. */
  resume = false
  constructor(private inner: SessionStoreContract) {}

  #track<T>(promise: Promise<T> | T) {
    const tracked = Promise.resolve(promise)
    this.#pending.add(tracked)
    tracked.finally(() => this.#pending.delete(tracked)).catch(() => {})
    return tracked
  }

  async settle() {
    await Promise.all([...this.#pending])
  }

  async read(sessionId: string) {
    await this.settle()
    return this.inner.read(sessionId)
  }
  write(sessionId: string, values: SessionData) {
    const write = async () => {
      const existing = this.resume ? await this.inner.read(sessionId) : null
      await this.inner.write(sessionId, { ...(existing ?? {}), ...values })
    }
    return this.#track(write())
  }
  destroy(sessionId: string) {
    return this.#track(this.inner.destroy(sessionId)) as Promise<void>
  }
  touch(sessionId: string) {
    return this.#track(this.inner.touch(sessionId)) as Promise<void>
  }
}

/**
 * Writes the test's session data (loginAs, withSession, withCsrfToken) where
 * the app reads it: the configured store (database), not the memory store
 * @adonisjs/session's api-client plugin uses by default. Inside
 * `withGlobalTransaction` the rows are rolled back with everything else, so
 * the server-side session a response created is NOT destroyed after the
 * request: a test can replay that session id later (e.g. after logout) with
 * `withSessionId(request, id)`.
 */
class DatabaseSessionClient extends SessionClient {
  constructor(private settled: SettledStore) {
    super(settled)
  }

  async commit() {
    await super.commit()
    await this.settled.settle()
  }

  async destroy() {
    // Left to the global transaction's rollback; see above.
  }

  /** Continue an existing server-side session: values set by the test are added to it. */
  resume(sessionId: string) {
    this.sessionId = sessionId
    this.settled.resume = true
  }
}

/**
 * Japa plugin; register it AFTER sessionApiClient(app). A guest's session
 * comes back in the encrypted `authentix_guest` cookie rather than a row
 * (core/services/session_store.ts): `response.session()` and the flash
 * assertions read it from there when the response set it.
 */
export function databaseSessionClient() {
  return async function () {
    const resolved: any = await configProvider.resolve(app, app.config.get('session'))
    const factory = resolved.stores[resolved.store]
    ApiRequest.getter(
      'sessionClient',
      function () {
        return new DatabaseSessionClient(new SettledStore(factory(null, resolved)))
      },
      true
    )
    ApiClient.onRequest((request) => {
      request.teardown(async (response) => {
        const sessionId = response.cookie(resolved.cookieName)?.value
        const guest = response.cookie(GUEST_SESSION_COOKIE)?.value
        if (!sessionId || !guest || typeof guest !== 'object' || guest.id !== sessionId) return
        // A copy: pulling the flash messages must not change the cookie the test reads.
        const store = new ValuesStore(structuredClone(guest.values))
        const flashMessages = store.pull('__flash__', {})
        ;(response as any).sessionBag = { values: store.all(), flashMessages }
      })
    })
  }
}

/**
 * Sends the request with an existing session id (e.g. a session cookie a
 * previous response set, captured before logout). Whatever the request adds
 * (`withCsrfToken`, `withSession`) is merged into that session's data.
 */
export function withSessionId<T extends ApiRequest>(request: T, sessionId: string): T {
  ;(request.sessionClient as DatabaseSessionClient).resume(sessionId)
  return request
}
