import type { DateTime } from 'luxon'
import { column } from '@adonisjs/lucid/orm'
import { AppModel } from '#core/models/app_model'
import { booleanColumn, jsonColumn } from '#core/models/columns'
import type { FieldSpec, FieldType } from '#templates/services/field_spec'

/** Position and style, as stored in `config` (snake_case, like the API). */
export interface FieldConfig {
  x: number
  y: number
  width: number
  height: number
  font_family: string
  font_size: number
  min_font_size: number
  color: string
  align: FieldSpec['align']
  bold: boolean
  auto_fit: boolean
  date_format: FieldSpec['dateFormat']
  asset_id: string | null
  qr_color: string
}

/** One field of one template version (design §5.4). Rows are written once, with their version. */
export default class CertificateTemplateField extends AppModel {
  static table = 'certificate_template_fields'

  @column()
  declare templateVersionId: string

  @column()
  declare fieldKey: string

  @column()
  declare fieldType: FieldType

  @column()
  declare label: string

  @jsonColumn()
  declare config: FieldConfig

  @booleanColumn()
  declare isRequired: boolean

  @column()
  declare sortOrder: number

  @column.dateTime({ autoCreate: true })
  declare createdAt: DateTime

  @column.dateTime({ autoCreate: true, autoUpdate: true })
  declare updatedAt: DateTime

  toSpec(): FieldSpec {
    const c = this.config
    return {
      key: this.fieldKey,
      type: this.fieldType,
      label: this.label,
      required: this.isRequired,
      x: c.x,
      y: c.y,
      width: c.width,
      height: c.height,
      fontFamily: c.font_family,
      fontSize: c.font_size,
      minFontSize: c.min_font_size,
      color: c.color,
      align: c.align,
      bold: c.bold,
      autoFit: c.auto_fit,
      dateFormat: c.date_format,
      assetId: c.asset_id,
      qrColor: c.qr_color,
    }
  }
}

export function configOf(spec: FieldSpec): FieldConfig {
  return {
    x: spec.x,
    y: spec.y,
    width: spec.width,
    height: spec.height,
    font_family: spec.fontFamily,
    font_size: spec.fontSize,
    min_font_size: spec.minFontSize,
    color: spec.color,
    align: spec.align,
    bold: spec.bold,
    auto_fit: spec.autoFit,
    date_format: spec.dateFormat,
    asset_id: spec.assetId,
    qr_color: spec.qrColor,
  }
}
