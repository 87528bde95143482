import type CertificateTemplate from '#templates/models/certificate_template'
import type CertificateTemplateVersion from '#templates/models/certificate_template_version'
import type BrandingAsset from '#templates/models/branding_asset'
import type CertificateTemplateField from '#templates/models/certificate_template_field'
import {
  ALIGNMENTS,
  DATE_FORMATS,
  DEFAULT_DATE_FORMAT,
  FIELD_TYPES,
  LIMITS,
  STANDARD_FIELD_KEYS,
} from '#templates/services/field_spec'
import { DEFAULT_FONT_FAMILY, FONT_FAMILIES } from '#templates/services/fonts'

/** A field as the API and the designer write it (snake_case, flat). */
export function fieldJson(field: CertificateTemplateField) {
  const c = field.config
  return {
    key: field.fieldKey,
    type: field.fieldType,
    label: field.label,
    x: c.x,
    y: c.y,
    width: c.width,
    height: c.height,
    font_family: c.font_family,
    font_size: c.font_size,
    min_font_size: c.min_font_size,
    color: c.color,
    align: c.align,
    bold: c.bold,
    auto_fit: c.auto_fit,
    date_format: c.date_format,
    required: field.isRequired,
    asset_id: c.asset_id,
    qr_color: c.qr_color,
  }
}

/**
 * Everything the field designer's script needs, handed over as one JSON
 * document in a data attribute: the page, the fields, and the choices
 * (keys, fonts, date formats, the org's images).
 */
export function designerData(input: {
  template: CertificateTemplate
  version: CertificateTemplateVersion
  fields: ReturnType<typeof fieldJson>[]
  assets: BrandingAsset[]
  urls: { background: string; preview: string; assetImage: (id: string) => string }
}) {
  return {
    template_id: input.template.id,
    version: input.version.versionNumber,
    page: { width: input.version.pageWidth, height: input.version.pageHeight },
    fields: input.fields,
    background_url: input.urls.background,
    preview_url: input.urls.preview,
    standard_keys: STANDARD_FIELD_KEYS,
    field_types: FIELD_TYPES,
    alignments: ALIGNMENTS,
    fonts: FONT_FAMILIES.map((family) => ({
      key: family.key,
      label: family.label,
      style: family.style,
      script: family.script,
      bold: family.bold !== null,
    })),
    default_font: DEFAULT_FONT_FAMILY,
    date_formats: DATE_FORMATS,
    default_date_format: DEFAULT_DATE_FORMAT,
    limits: LIMITS,
    assets: input.assets.map((asset) => ({
      id: asset.id,
      name: asset.name,
      type: asset.assetType,
      width: asset.widthPx,
      height: asset.heightPx,
      url: input.urls.assetImage(asset.id),
    })),
  }
}
