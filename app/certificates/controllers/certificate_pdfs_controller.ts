import type { HttpContext } from '@adonisjs/core/http'
import { sendDocument } from '#core/services/downloads'
import { sha256Hex } from '#core/actions/store_file'
import OrgCertificates from '#certificates/queries/org_certificates'
import { certificateDocument } from '#certificates/queries/certificate_document'
import { notFound } from '#core/http/not_found'

/** `GET /certificates/:id/pdf`: the exact PDF issued (its SHA-256 is the one recorded, and the ETag). */
export default class CertificatePdfsController {
  async show(ctx: HttpContext) {
    const { org, bouncer, params } = ctx
    await bouncer.authorize('allows', 'certificates.download')
    const certificate = await OrgCertificates.find(org, params.id)
    if (!certificate?.certificateFileId) throw notFound()
    const { bytes, filename } = await certificateDocument(certificate)
    return sendDocument(ctx, bytes, {
      filename,
      mime: 'application/pdf',
      sha256: certificate.sha256 ?? sha256Hex(bytes),
    })
  }
}
