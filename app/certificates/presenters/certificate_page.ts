import { ISSUANCE_KEYS } from '#templates/services/field_spec'
import { keyLabel } from '#imports/services/column_mapping'
import type Certificate from '#certificates/models/certificate'

/**
 * What a certificate's page shows besides its columns: the reissue form's
 * fields with their current values, and which of them a submitted form
 * changed.
 */

/** Keys never offered for correction: the issuance fills them. */
const NOT_CORRECTABLE = new Set<string>(ISSUANCE_KEYS)
const CONTACT_KEYS = ['recipient_name', 'recipient_email', 'recipient_phone'] as const

/**
 * The reissue form's fields: the recipient's name, email and phone, then every other data key of
 * the certificate, with their current values.
 */
export function correctableFields(certificate: Certificate) {
  const current: Record<string, string> = {
    ...certificate.recipientData,
    recipient_name: certificate.recipientName,
    recipient_email: certificate.recipientEmail ?? '',
    recipient_phone: certificate.recipientPhone ?? '',
  }
  const others = Object.keys(certificate.recipientData ?? {})
    .filter(
      (key) => !NOT_CORRECTABLE.has(key) && !(CONTACT_KEYS as readonly string[]).includes(key)
    )
    .sort()
  return [...CONTACT_KEYS, ...others].map((key) => ({
    key,
    label: keyLabel(key),
    value: current[key] ?? '',
  }))
}

/** Only what the form changed goes to the action: an unchanged field is not a correction. */
export function changedValues(
  certificate: Certificate,
  submitted: Record<string, string | null | undefined>
) {
  const current = new Map(correctableFields(certificate).map((field) => [field.key, field.value]))
  const changes: Record<string, string> = {}
  for (const [key, value] of Object.entries(submitted)) {
    if (value === undefined) continue
    const text = (value ?? '').trim()
    if (current.has(key) ? current.get(key)!.trim() !== text : text !== '') changes[key] = text
  }
  return changes
}
