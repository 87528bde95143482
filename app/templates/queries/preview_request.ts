import { appUrl } from '#config/app'
import type Organization from '#orgs/models/organization'
import BrandingAsset from '#templates/models/branding_asset'
import type CertificateTemplate from '#templates/models/certificate_template'
import VersionSnapshot from '#templates/queries/version_snapshot'
import { type FieldProblem, normaliseFields } from '#templates/services/field_rules'
import type { DataRow, TemplateSnapshot } from '#templates/services/prepared_template'
import { sampleRow } from '#templates/services/sample_data'
import type { FieldInput } from '#templates/validators/template_fields'

/**
 * What a live preview draws: the current version's page with the designer's
 * unsaved fields (or the saved ones), and sample data under whatever the
 * user typed. Nothing is stored.
 */
export async function previewSnapshot(
  org: Organization,
  template: CertificateTemplate,
  input: { fields?: FieldInput[]; row?: Record<string, string | undefined> }
): Promise<
  | { kind: 'ok'; snapshot: TemplateSnapshot; row: DataRow }
  | { kind: 'invalid'; problems: FieldProblem[] }
> {
  await template.load('currentVersion', (version) =>
    version.preload('fields', (fields) => fields.orderBy('sort_order', 'asc'))
  )
  const version = template.currentVersion
  let fields = version.fields.map((field) => field.toSpec())
  if (input.fields) {
    const assets = await BrandingAsset.query().where('organization_id', org.id).select('id')
    const rules = normaliseFields(input.fields, {
      pageWidth: version.pageWidth,
      pageHeight: version.pageHeight,
      assetIds: new Set(assets.map((asset) => asset.id)),
    })
    if (!rules.ok) return { kind: 'invalid', problems: rules.problems }
    fields = rules.fields
  }
  const snapshot = await VersionSnapshot.load(version, fields)
  const row = sampleRow(
    fields,
    { numberFormat: org.certificateNumberFormat, prefix: org.certificateNumberPrefix, appUrl },
    input.row ?? {}
  )
  return { kind: 'ok', snapshot, row }
}
