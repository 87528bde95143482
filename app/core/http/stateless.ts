import type { HttpContext } from '@adonisjs/core/http'

/**
 * Routes served without browser state: no session, no CSRF secret, no
 * `ctx.auth`, and so no `Set-Cookie` and no database work for it. For public
 * reads a stranger makes at volume (a certificate's verification page, the
 * JSON API, which authenticates by key, `/healthz`) and, later, providers'
 * webhooks. Such a route must not render a form or read `ctx.session`.
 *
 * A module declares its own, by route name, in its routes file:
 *
 *   withoutBrowserState('api.')                      // every route named api.*
 *   withoutBrowserState('verify.verifications.show') // one route
 *
 * Every other route gets the session, CSRF protection and auth
 * (`#core/middleware/browser_state_middleware`).
 */
const names = new Set<string>()
const prefixes: string[] = []
const decided = new WeakMap<object, boolean>()

export function withoutBrowserState(...routeNames: string[]) {
  for (const name of routeNames) {
    if (name.endsWith('.')) prefixes.push(name)
    else names.add(name)
  }
}

/** Whether the matched route is one of those above (decided once per route). */
export function isWithoutBrowserState(route: HttpContext['route']) {
  if (!route) return false
  let answer = decided.get(route)
  if (answer === undefined) {
    const name = route.name
    answer = !!name && (names.has(name) || prefixes.some((prefix) => name.startsWith(prefix)))
    decided.set(route, answer)
  }
  return answer
}
