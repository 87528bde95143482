import { findFileOfOrg } from '#core/queries/org_files'
import { fileSlug } from '#core/services/downloads'
import type CertificateTemplate from '#templates/models/certificate_template'
import type CertificateTemplateVersion from '#templates/models/certificate_template_version'

/** The files a version has, by the name routes use for them. */
const VERSION_FILES = {
  background: { column: 'backgroundFileId', suffix: 'background.png', inline: true },
  preview: { column: 'previewFileId', suffix: 'preview.webp', inline: true },
  source: { column: 'sourceFileId', suffix: 'template.pdf', inline: false },
  original: { column: 'originalFileId', suffix: 'original', inline: false },
} as const

export type VersionFileName = keyof typeof VERSION_FILES

/**
 * One of a version's files, loaded through the org, with the name the
 * download gets (chosen here from the template's name, never the path);
 * null when the version has no such file.
 */
export async function versionFile(
  template: CertificateTemplate,
  version: CertificateTemplateVersion,
  name: string,
  allowed: readonly VersionFileName[] = ['background', 'preview', 'source', 'original']
) {
  if (!Object.hasOwn(VERSION_FILES, name) || !allowed.includes(name as VersionFileName)) return null
  const spec = VERSION_FILES[name as VersionFileName]
  const fileId = version[spec.column]
  if (!fileId) return null
  const file = await findFileOfOrg(template.organizationId, fileId)
  const suffix =
    name === 'original' ? `original.${file.path.split('.').pop() ?? 'bin'}` : spec.suffix
  return {
    file,
    filename: `${fileSlug(template.name, 'template')}-v${version.versionNumber}-${suffix}`,
    inline: spec.inline,
  }
}
