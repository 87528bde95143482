import type { HttpContext } from '@adonisjs/core/http'
import { sendDocument } from '#core/services/downloads'
import { notFound } from '#core/http/not_found'
import OrgCertificates from '#certificates/queries/org_certificates'
import { certificateDocument } from '#certificates/queries/certificate_document'

/** `GET /api/v1/certificates/:id/pdf`: the exact PDF issued, whose SHA-256 is the one recorded. */
export default class CertificatePdfsController {
  async show(ctx: HttpContext) {
    const certificate = await OrgCertificates.find(ctx.apiOrg, ctx.params.id)
    if (!certificate?.certificateFileId) throw notFound()
    const { bytes, filename } = await certificateDocument(certificate)
    return sendDocument(ctx, bytes, {
      filename,
      mime: 'application/pdf',
      sha256: certificate.sha256!,
    })
  }
}
