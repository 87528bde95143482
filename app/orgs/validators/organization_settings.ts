import vine, { SimpleMessagesProvider } from '@vinejs/vine'
import type { FieldContext } from '@vinejs/vine/types'
import {
  CERTIFICATE_PREFIX_PATTERN,
  describeFormatProblem,
  parseCertificateNumberFormat,
  previewCertificateNumber,
} from '#core/services/certificate_number'
import { gstinProblem } from '#core/services/gstin'
import { organizationSlug, slugMessages } from '#orgs/validators/organization_slug'

/** Countries offered on the settings page (India first: GSTIN and PIN rules apply there). */
export const COUNTRIES: Record<string, string> = {
  IN: 'India',
  AE: 'United Arab Emirates',
  AU: 'Australia',
  BD: 'Bangladesh',
  BH: 'Bahrain',
  BT: 'Bhutan',
  CA: 'Canada',
  DE: 'Germany',
  FR: 'France',
  GB: 'United Kingdom',
  ID: 'Indonesia',
  IE: 'Ireland',
  JP: 'Japan',
  KE: 'Kenya',
  KW: 'Kuwait',
  LK: 'Sri Lanka',
  MU: 'Mauritius',
  MV: 'Maldives',
  MY: 'Malaysia',
  NG: 'Nigeria',
  NL: 'Netherlands',
  NP: 'Nepal',
  NZ: 'New Zealand',
  OM: 'Oman',
  PH: 'Philippines',
  QA: 'Qatar',
  SA: 'Saudi Arabia',
  SG: 'Singapore',
  TH: 'Thailand',
  US: 'United States',
  VN: 'Vietnam',
  ZA: 'South Africa',
}

export const INDIAN_PIN_PATTERN = /^[1-9][0-9]{5}$/

export const gstinRule = vine.createRule((value, _options, field: FieldContext) => {
  if (typeof value !== 'string') return
  switch (gstinProblem(value)) {
    case 'format':
      field.report('A GSTIN has 15 characters, like 27AAPFU0939F1ZV.', 'gstin.format', field)
      break
    case 'state_code':
      field.report(
        'The GSTIN must start with a valid state code (01–38, 97 or 99).',
        'gstin.state_code',
        field
      )
      break
    case 'checksum':
      field.report(
        'This GSTIN’s check character does not match; check it for typos.',
        'gstin.checksum',
        field
      )
      break
  }
})

const certificateNumberFormatRule = vine.createRule((value, _options, field: FieldContext) => {
  if (typeof value !== 'string') return
  const parsed = parseCertificateNumberFormat(value)
  if (!parsed.ok)
    field.report(describeFormatProblem(parsed.problem), 'certificate_number_format', field)
})

/** Indian PIN codes are 6 digits not starting with 0; other countries keep their own shapes. */
const postalCodeRule = vine.createRule((value, _options, field: FieldContext) => {
  if (typeof value !== 'string') return
  const country = field.parent?.country
  if (country === 'IN' && !INDIAN_PIN_PATTERN.test(value)) {
    field.report('An Indian PIN code has 6 digits, like 560001.', 'postal_code.pin', field)
  }
})

const optionalText = (max: number) => vine.string().trim().maxLength(max).optional()

export const organizationSettingsValidator = vine
  .withMetaData<{ organizationId: string }>()
  .compile(
    vine.object({
      name: vine.string().trim().minLength(2).maxLength(160),
      business_name: optionalText(200),
      email: vine.string().trim().toLowerCase().maxLength(254).email().optional(),
      phone: vine
        .string()
        .trim()
        .maxLength(32)
        .regex(/^\+?[0-9][0-9 ()-]{5,30}$/)
        .optional(),
      slug: organizationSlug(),
      industry_id: vine.string().uuid().exists({ table: 'industries', column: 'id' }).optional(),
      address_line1: optionalText(200),
      address_line2: optionalText(200),
      city: optionalText(100),
      state: optionalText(100),
      country: vine.string().trim().toUpperCase().in(Object.keys(COUNTRIES)),
      postal_code: vine.string().trim().maxLength(20).use(postalCodeRule()).optional(),
      gstin: vine.string().trim().toUpperCase().use(gstinRule()).optional(),
      certificate_number_prefix: vine
        .string()
        .trim()
        .toUpperCase()
        .regex(CERTIFICATE_PREFIX_PATTERN),
      certificate_number_format: vine.string().trim().use(certificateNumberFormatRule()),
      /** How recipient lists are read: phone numbers without a country code, and numeric dates. */
      phone_default_country: vine
        .string()
        .trim()
        .toUpperCase()
        .in(Object.keys(COUNTRIES))
        .optional(),
      date_order: vine.enum(['dmy', 'mdy'] as const).optional(),
    })
  )

organizationSettingsValidator.messagesProvider = new SimpleMessagesProvider({
  'name.required': 'Enter the organization’s name.',
  'name.minLength': 'The name must be at least 2 characters.',
  'name.maxLength': 'The name can be at most 160 characters.',
  'email.email': 'Enter a valid email address.',
  'phone.regex':
    'Enter a phone number using digits, spaces, brackets or hyphens, optionally starting with +.',
  'industry_id.uuid': 'Choose an industry from the list.',
  'industry_id.database.exists': 'Choose an industry from the list.',
  'country.required': 'Choose a country.',
  'country.in': 'Choose a country from the list.',
  'certificate_number_prefix.required': 'Enter a prefix for certificate numbers.',
  'certificate_number_prefix.regex': 'Use 2–12 capital letters or digits, like ACME.',
  'certificate_number_format.required': 'Enter a number format.',
  'phone_default_country.in': 'Choose a country from the list.',
  'date_order.enum': 'Choose day/month/year or month/day/year.',
  'maxLength': 'The {{ field }} can be at most {{ max }} characters.',
  ...slugMessages,
})

/**
 * The preview next to the format field: the first number issued today, or
 * why there is none (the same sentence the validator would give).
 */
export function certificateNumberPreview(format: string, prefix: string, date = new Date()) {
  const normalizedPrefix = prefix.trim().toUpperCase()
  const parsed = parseCertificateNumberFormat(format.trim())
  if (!parsed.ok) return { preview: null, problem: describeFormatProblem(parsed.problem) }
  if (!CERTIFICATE_PREFIX_PATTERN.test(normalizedPrefix)) {
    return { preview: null, problem: 'The prefix needs 2–12 capital letters or digits.' }
  }
  return { preview: previewCertificateNumber(format.trim(), normalizedPrefix, date), problem: null }
}
