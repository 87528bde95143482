import { DateTime } from 'luxon'
import {
  formatCertificateNumber,
  parseCertificateNumberFormat,
} from '#core/services/certificate_number'
import { emptyRecord } from '#core/services/own_keys'
import type { FieldSpec } from '#templates/services/field_spec'
import type { DataRow } from '#templates/services/prepared_template'

/**
 * The row a preview is drawn with when the user types none: realistic
 * values (an Indic-length name, a long course title) so a too-small box
 * shows up in the preview, not on a recipient's certificate.
 */
export function sampleRow(
  fields: FieldSpec[],
  options: { numberFormat: string; prefix: string; appUrl: string; today?: DateTime },
  overrides: DataRow = {}
): DataRow {
  const today = (options.today ?? DateTime.utc()).startOf('day')
  const parsed = parseCertificateNumberFormat(options.numberFormat)
  const number = parsed.ok
    ? formatCertificateNumber(options.numberFormat, {
        prefix: options.prefix,
        date: today.toJSDate(),
        sequence: 1,
      })
    : `${options.prefix}-${today.year}-000001`
  // No prototype: field keys and typed overrides are user-chosen (`constructor`, `__proto__`).
  const row: DataRow = Object.assign(emptyRecord<DataRow[string]>(), {
    recipient_name: 'Ananya Gupta',
    recipient_email: 'ananya.gupta@example.com',
    recipient_phone: '+91 98765 43210',
    course_name: 'Advanced Web Development',
    grade: 'A+',
    issue_date: today.toISODate(),
    expiry_date: today.plus({ years: 1 }).toISODate(),
    certificate_number: number,
    verification_url: `${options.appUrl}/v/sample-preview-not-a-certificate`,
  })
  for (const field of fields) {
    if (!Object.hasOwn(row, field.key))
      row[field.key] = field.type === 'date' ? today.toISODate() : field.label
  }
  for (const [key, value] of Object.entries(overrides)) {
    if (value !== undefined && value !== null && String(value).trim() !== '') row[key] = value
  }
  return row
}
