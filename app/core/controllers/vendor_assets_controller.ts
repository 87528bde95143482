import type { HttpContext } from '@adonisjs/core/http'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)

/**
 * Third-party browser files served from the pinned npm packages, never a CDN.
 * The version is in package-lock.json; the file name is fixed for templates.
 */
const VENDOR_FILES: Record<string, string> = {
  'htmx.min.js': require.resolve('htmx.org/dist/htmx.min.js'),
}

export default class VendorAssetsController {
  async show({ params, response }: HttpContext) {
    const file = VENDOR_FILES[params.file]
    if (!file) return response.notFound('Not found')
    response.header('Content-Type', 'text/javascript; charset=utf-8')
    response.header('Cache-Control', 'public, max-age=86400')
    return response.download(file)
  }
}
