import { readdirSync } from 'node:fs'
import app from '@adonisjs/core/services/app'
import type { HttpContext } from '@adonisjs/core/http'
import type { NextFn } from '@adonisjs/core/types/http'
import StaticMiddleware from '@adonisjs/static/static_middleware'
import { assetAt, encodedBody } from '#core/services/assets'

/**
 * Files under resources/public (config/static.ts), asked for only where they
 * can be: a GET or HEAD whose first path segment is an entry of that folder
 * (`/assets/…`). Every other request (a page, the API, a verification) goes
 * straight on, without a file-system lookup and the file server wrapped
 * around the rest of its handling. The file server is made once per
 * process (the package's binding makes a new one per request).
 *
 * Fingerprinted assets (#core/services/assets) are answered from memory,
 * compressed and cached for a year; the rest (web fonts, and a page that
 * still names a file by its plain path) by the file server.
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
    const asset = assetAt(ctx.request.url())
    if (asset) {
      const { response, request } = ctx
      response.header('Cache-Control', 'public, max-age=31536000, immutable')
      response.header('Vary', 'Accept-Encoding')
      response.header('ETag', asset.etag)
      response.header('X-Content-Type-Options', 'nosniff')
      if (request.header('if-none-match') === asset.etag) return response.status(304).send('')
      const { encoding, body } = encodedBody(asset, request.header('accept-encoding'))
      response.header('Content-Type', asset.type)
      if (encoding) response.header('Content-Encoding', encoding)
      response.header('Content-Length', String(body.length))
      return response.send(body)
    }
    files ??= app.container.make(StaticMiddleware)
    const fileServer = await files
    return fileServer.handle(ctx, next)
  }
}
