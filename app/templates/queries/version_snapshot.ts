import { readFileOfOrg } from '#core/queries/org_files'
import type CertificateTemplateVersion from '#templates/models/certificate_template_version'
import BrandingAsset from '#templates/models/branding_asset'
import type { FieldSpec } from '#templates/services/field_spec'
import type { TemplateImage, TemplateSnapshot } from '#templates/services/prepared_template'

/**
 * Everything the renderer needs for a version, loaded through the version's
 * org: the source PDF, the fields, and the bytes of the images its image
 * fields draw (a removed branding image still draws on the versions that
 * used it).
 */
export default class VersionSnapshot {
  static async load(
    version: CertificateTemplateVersion,
    fields?: FieldSpec[],
    /** A new source not stored yet (replacing the page), instead of the version's. */
    source?: { pdf: Uint8Array; pageWidth: number; pageHeight: number }
  ): Promise<TemplateSnapshot> {
    const specs = fields ?? (await VersionSnapshot.fieldSpecs(version))
    const sourcePdf = source ? source.pdf : await VersionSnapshot.sourceBytes(version)
    const images: Record<string, TemplateImage> = {}
    const assetIds = [
      ...new Set(specs.filter((f) => f.type === 'image' && f.assetId).map((f) => f.assetId!)),
    ]
    if (assetIds.length) {
      const assets = await BrandingAsset.query()
        .where('organization_id', version.organizationId)
        .whereIn('id', assetIds)
      for (const asset of assets) {
        const { file, bytes } = await readFileOfOrg(version.organizationId, asset.fileId)
        images[asset.id] = {
          bytes,
          mime: file.mimeType === 'image/jpeg' ? 'image/jpeg' : 'image/png',
        }
      }
    }
    return {
      sourcePdf,
      pageWidth: source?.pageWidth ?? version.pageWidth,
      pageHeight: source?.pageHeight ?? version.pageHeight,
      fields: specs,
      images,
    }
  }

  private static async fieldSpecs(version: CertificateTemplateVersion) {
    const fields = await version.related('fields').query().orderBy('sort_order', 'asc')
    return fields.map((field) => field.toSpec())
  }

  private static async sourceBytes(version: CertificateTemplateVersion) {
    const { bytes } = await readFileOfOrg(version.organizationId, version.sourceFileId)
    return bytes
  }
}
