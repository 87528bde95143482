import env from '#start/env'
import app from '@adonisjs/core/services/app'
import { Secret } from '@adonisjs/core/helpers'
import { defineConfig } from '@adonisjs/core/http'

/**
 * The app key encrypts cookies and signs URLs. `npm start` generates one
 * into `.env` on first run.
 */
export const appKey = new Secret(env.get('APP_KEY'))

/**
 * Base of absolute links (mails). Tests always use the in-process test server,
 * whatever APP_URL a local `.env` holds, so mailed links can be followed.
 */
export const appUrl =
  (!app.inTest && env.get('APP_URL')) || `http://${env.get('HOST')}:${env.get('PORT')}`

const trustedProxies = new Set([
  '127.0.0.1',
  '::1',
  '::ffff:127.0.0.1',
  ...(env.get('TRUSTED_PROXIES') ?? '')
    .split(',')
    .map((value) => value.trim())
    .filter(Boolean),
])

export const http = defineConfig({
  // bin/server.ts gives each request a UUID instead (#core/services/request_ids): cheaper than cuid2.
  generateRequestId: false,
  allowMethodSpoofing: true,
  useAsyncLocalStorage: false,
  /**
   * X-Forwarded-For is believed only from loopback (a local reverse proxy)
   * and from TRUSTED_PROXIES; anyone else could forge it to dodge the per-IP
   * throttles and audit IPs.
   */
  trustProxy: (address: string) => trustedProxies.has(address),
  cookie: {
    domain: '',
    path: '/',
    maxAge: '2h',
    httpOnly: true,
    secure: app.inProduction,
    sameSite: 'lax',
  },
})
