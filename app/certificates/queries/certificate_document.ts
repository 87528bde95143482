import { findDocumentOfOrg, readDocument } from '#core/queries/org_files'
import { fileSlug } from '#core/services/downloads'
import type Certificate from '#certificates/models/certificate'

/** The exact PDF bytes of a certificate (its SHA-256 is `certificate.sha256`) and the name it downloads under. */
export async function certificateDocument(
  certificate: Pick<
    Certificate,
    'organizationId' | 'certificateFileId' | 'certificateNumber' | 'recipientName'
  >
) {
  const file = await findDocumentOfOrg(certificate.organizationId, certificate.certificateFileId!)
  const bytes = await readDocument(file)
  return {
    bytes,
    filename: `${certificate.certificateNumber}-${fileSlug(certificate.recipientName, 'certificate')}.pdf`,
  }
}
