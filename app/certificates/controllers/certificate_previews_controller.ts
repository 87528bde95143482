import type { HttpContext } from '@adonisjs/core/http'
import logger from '@adonisjs/core/services/logger'
import { sha256Hex } from '#core/actions/store_file'
import OrgCertificates from '#certificates/queries/org_certificates'
import { certificateDocument } from '#certificates/queries/certificate_document'
import { notFound } from '#core/http/not_found'
import { rasterizeDocument } from '#templates/services/template_processing'

const PREVIEW_WIDTH = 1400

/**
 * `GET /certificates/:id/preview`: a PNG of the certificate's own PDF (not a
 * fresh render of its data), drawn in one of the templates' rendering threads. A certificate's PDF
 * never changes (a correction is a new certificate), so the browser keeps
 * the picture and revalidates by the PDF's SHA-256.
 */
export default class CertificatePreviewsController {
  async show(ctx: HttpContext) {
    const { org, params, request, response } = ctx
    const certificate = await OrgCertificates.find(org, params.id)
    if (!certificate?.certificateFileId) throw notFound()
    const etag = certificate.sha256 ? `"preview-${certificate.sha256}"` : null
    response.header('Cache-Control', 'private, max-age=86400')
    response.header('X-Content-Type-Options', 'nosniff')
    if (etag) {
      response.header('ETag', etag)
      if (request.header('if-none-match') === etag) return response.status(304).send('')
    }
    const { bytes } = await certificateDocument(certificate)
    const outcome = await rasterizeDocument(bytes, PREVIEW_WIDTH)
    if (outcome.kind !== 'ok') {
      logger.warn(
        {
          certificate: certificate.id,
          outcome: outcome.kind,
          sha256: certificate.sha256 ?? sha256Hex(bytes),
        },
        'certificate preview could not be drawn'
      )
      response.header('Cache-Control', 'no-store')
      return response.status(503).send('The preview could not be drawn right now.')
    }
    response.header('Content-Type', 'image/png')
    return response.send(Buffer.from(outcome.value.bytes))
  }
}
