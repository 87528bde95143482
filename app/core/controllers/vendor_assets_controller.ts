import type { HttpContext } from '@adonisjs/core/http'
import { assetOf, encodedBody } from '#core/services/assets'

/**
 * Third-party browser files from the pinned npm packages, never a CDN, at
 * their plain names (`/assets/vendor/htmx.min.js`) for anything that asks
 * for them so; pages name their fingerprinted URLs (#core/services/assets),
 * which the public files middleware serves cached for a year.
 */
export default class VendorAssetsController {
  async show({ params, request, response }: HttpContext) {
    const asset = assetOf(`/assets/vendor/${params.file}`)
    if (!asset) return response.notFound('Not found')
    const { encoding, body } = encodedBody(asset, request.header('accept-encoding'))
    response.header('Content-Type', asset.type)
    response.header('Cache-Control', 'public, max-age=86400')
    response.header('Vary', 'Accept-Encoding')
    if (encoding) response.header('Content-Encoding', encoding)
    return response.send(body)
  }
}
