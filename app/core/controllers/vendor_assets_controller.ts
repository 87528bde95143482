import type { HttpContext } from '@adonisjs/core/http'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)

/**
 * Third-party browser files served from the pinned npm packages, never a CDN.
 * The version is in package-lock.json; the file name is fixed for templates.
 */
const VENDOR_FILES: Record<string, string> = {
  'htmx.min.js': require.resolve('htmx.org/dist/htmx.min.js'),
  // Charts (the billing page's usage per day).
  'uplot.min.js': require.resolve('uplot/dist/uPlot.iife.min.js'),
  'uplot.min.css': require.resolve('uplot/dist/uPlot.min.css'),
}

export default class VendorAssetsController {
  async show({ params, response }: HttpContext) {
    const file = VENDOR_FILES[params.file]
    if (!file) return response.notFound('Not found')
    const type = params.file.endsWith('.css') ? 'text/css' : 'text/javascript'
    response.header('Content-Type', `${type}; charset=utf-8`)
    response.header('Cache-Control', 'public, max-age=86400')
    return response.download(file)
  }
}
