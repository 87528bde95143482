import env from '#start/env'
import app from '@adonisjs/core/services/app'
import { defineConfig } from '@adonisjs/session'
import { tieredSessionStore } from '#core/services/session_store'

/**
 * A signed-in session lives server-side (a `sessions` row) so logout, member
 * removal and account disabling can end it; its cookie only carries the
 * session id. A guest's session (a form's CSRF secret, a flash message) is an
 * encrypted cookie, so anonymous page views write nothing. Public,
 * cookie-less routes (verification, the JSON API, /healthz) get no session at
 * all (`#core/http/stateless`).
 */
const sessionConfig = defineConfig({
  enabled: true,
  cookieName: 'authentix_session',
  clearWithBrowser: false,
  age: '2h',
  cookie: {
    path: '/',
    httpOnly: true,
    secure: app.inProduction,
    sameSite: 'lax',
  },
  store: env.get('SESSION_DRIVER', 'database'),
  stores: {
    // Signed-in sessions in the `sessions` table, guests' in an encrypted cookie
    // (core/services/session_store.ts); expired rows are deleted by the
    // scheduled `sessions:prune`.
    database: tieredSessionStore({ tableName: 'sessions' }),
  },
})

export default sessionConfig
