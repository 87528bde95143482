import { randomUUID } from 'node:crypto'
import router from '@adonisjs/core/services/router'
import { generateToken } from '#core/services/tokens'

export interface RegisteredRoute {
  /** The route's method (HEAD, added by the router to GET routes, is left out). */
  method: string
  pattern: string
  name: string | undefined
  /** Names of the named middleware on the route (`auth`, `org`, `guest`, …). */
  middleware: string[]
}

/**
 * Every route the app registers, read from the router itself, so a test built
 * on this list covers routes added after the test was written.
 */
export function registeredRoutes(): RegisteredRoute[] {
  const routes: RegisteredRoute[] = []
  for (const domainRoutes of Object.values(router.toJSON())) {
    for (const route of domainRoutes) {
      const middleware = [...route.middleware.all()]
        .map((one) => (one as { name?: string }).name)
        .filter((name): name is string => typeof name === 'string')
      for (const method of route.methods) {
        if (method === 'HEAD') continue
        routes.push({ method, pattern: route.pattern, name: route.name, middleware })
      }
    }
  }
  return routes
}

/** A concrete URL for a pattern: ids become random UUIDs, tokens random tokens. */
export function concreteUrl(pattern: string) {
  return pattern.replace(/:([a-z_]+)\??/gi, (_, param: string) =>
    param.toLowerCase().includes('token')
      ? generateToken()
      : param === 'file'
        ? 'htmx.min.js'
        : randomUUID()
  )
}

export const STATE_CHANGING_METHODS = ['POST', 'PUT', 'PATCH', 'DELETE']
