import { readdirSync } from 'node:fs'
import app from '@adonisjs/core/services/app'
import type { HttpContext } from '@adonisjs/core/http'
import type { NextFn } from '@adonisjs/core/types/http'
import StaticMiddleware from '@adonisjs/static/static_middleware'

/**
 * Files under resources/public (config/static.ts), asked for only where they
 * can be: a GET or HEAD whose first path segment is an entry of that folder
 * (`/assets/…`). Every other request (a page, the API, a verification) goes
 * straight on, without a file-system lookup and the file server wrapped
 * around the rest of its handling. The file server is made once per
 * process (the package's binding makes a new one per request).
 */
let topLevel: Set<string> | undefined
let files: Promise<StaticMiddleware> | undefined

function couldBeAFile(url: string) {
  topLevel ??= new Set(readdirSync(app.publicPath()))
  const end = url.indexOf('/', 1)
  return topLevel.has(decodeURIComponentSafe(url.slice(1, end === -1 ? undefined : end)))
}

function decodeURIComponentSafe(segment: string) {
  try {
    return decodeURIComponent(segment)
  } catch {
    return segment
  }
}

export default class PublicFilesMiddleware {
  async handle(ctx: HttpContext, next: NextFn) {
    const method = ctx.request.method()
    if ((method !== 'GET' && method !== 'HEAD') || !couldBeAFile(ctx.request.url())) return next()
    files ??= app.container.make(StaticMiddleware)
    const fileServer = await files
    return fileServer.handle(ctx, next)
  }
}
