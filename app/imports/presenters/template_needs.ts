import { ISSUANCE_KEYS } from '#templates/services/field_spec'
import { IMPORT_KEYS } from '#imports/services/column_mapping'

type NeededField = { fieldKey: string; fieldType: string; isRequired: boolean; label: string }

/**
 * What a template needs from a recipient list, in words: its required data fields by their label
 * (the issuance fills number, link and dates; QR codes and images need no column). Shown by the
 * upload form and by the generation form.
 */
export function templateNeeds(fields: readonly NeededField[]) {
  const issuance = new Set<string>(ISSUANCE_KEYS)
  const needs = new Set<string>(['recipient name'])
  for (const field of fields) {
    if (
      !field.isRequired ||
      issuance.has(field.fieldKey) ||
      field.fieldType === 'qrcode' ||
      field.fieldType === 'image'
    )
      continue
    needs.add(
      ((IMPORT_KEYS as Record<string, string>)[field.fieldKey] ?? field.label).toLowerCase()
    )
  }
  return [...needs]
}
