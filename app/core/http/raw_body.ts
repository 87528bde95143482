import type { HttpContext } from '@adonisjs/core/http'

/**
 * Routes that read the request's raw body themselves (`ctx.request.raw()`)
 * and ignore the parsed one: providers' webhooks, signed over the exact
 * bytes they sent. The text input middleware neither cleans nor refuses
 * their parsed body (a notification may quote a person's message, bidi
 * marks and all; refusing it would make the provider retry it for days).
 * A module declares its own by route name in its routes file.
 */
const names = new Set<string>()

export function withRawBody(...routeNames: string[]) {
  for (const name of routeNames) names.add(name)
}

export function isRawBodyRoute(route: HttpContext['route']) {
  return !!route?.name && names.has(route.name)
}
