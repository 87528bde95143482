/**
 * What a template field is, as the renderer, the designer and the API see
 * it. Coordinates are PDF points from the top-left corner of the page as it
 * is displayed (rotation already applied when the template was normalised).
 */

export const FIELD_TYPES = ['text', 'date', 'qrcode', 'image'] as const
export type FieldType = (typeof FIELD_TYPES)[number]

export const ALIGNMENTS = ['left', 'center', 'right'] as const
export type Alignment = (typeof ALIGNMENTS)[number]

/** Keys every template can use; their values come from the recipient or from issuance. */
export const STANDARD_FIELD_KEYS = {
  recipient_name: 'Recipient name',
  recipient_email: 'Recipient email',
  recipient_phone: 'Recipient phone',
  course_name: 'Course name',
  grade: 'Grade',
  issue_date: 'Issue date',
  expiry_date: 'Expiry date',
  certificate_number: 'Certificate number',
  verification_url: 'Verification URL',
} as const

export type StandardFieldKey = keyof typeof STANDARD_FIELD_KEYS

/** Keys filled in by issuance, never by a recipient list. */
export const ISSUANCE_KEYS = [
  'certificate_number',
  'verification_url',
  'issue_date',
  'expiry_date',
] as const

/** Custom keys: lowercase letters, digits and underscores, starting with a letter. */
export const FIELD_KEY_PATTERN = /^[a-z][a-z0-9_]{0,62}$/

/**
 * Date formats offered in the designer (luxon tokens). The value is what the
 * API's `date_format` takes; anything else is refused.
 */
export const DATE_FORMATS = {
  'd MMMM yyyy': '15 March 2026',
  'dd MMMM yyyy': '05 March 2026',
  'd MMM yyyy': '15 Mar 2026',
  'MMMM d, yyyy': 'March 15, 2026',
  'dd/MM/yyyy': '15/03/2026',
  'MM/dd/yyyy': '03/15/2026',
  'dd-MM-yyyy': '15-03-2026',
  'dd.MM.yyyy': '15.03.2026',
  'yyyy-MM-dd': '2026-03-15',
  'MMMM yyyy': 'March 2026',
} as const

export type DateFormat = keyof typeof DATE_FORMATS
export const DEFAULT_DATE_FORMAT: DateFormat = 'd MMMM yyyy'

export const LIMITS = {
  minFontSize: 4,
  maxFontSize: 400,
  maxFields: 60,
  /** Smallest box side in points: anything smaller cannot hold a readable value. */
  minBoxSide: 4,
  labelLength: 80,
} as const

export interface FieldSpec {
  key: string
  type: FieldType
  label: string
  x: number
  y: number
  width: number
  height: number
  required: boolean
  /** text and date */
  fontFamily: string
  fontSize: number
  /** auto-fit never shrinks below this */
  minFontSize: number
  color: string
  align: Alignment
  bold: boolean
  autoFit: boolean
  dateFormat: DateFormat
  /** image: the branding asset drawn in the box */
  assetId: string | null
  /** qrcode: dark module colour; the quiet zone and light modules are white */
  qrColor: string
}

export function isStandardKey(key: string): key is StandardFieldKey {
  return Object.hasOwn(STANDARD_FIELD_KEYS, key)
}

export function isDateFormat(value: string): value is DateFormat {
  return Object.hasOwn(DATE_FORMATS, value)
}

/** `#1a2B3c` → [0.10, 0.17, 0.24] */
export function rgbOf(hex: string): [number, number, number] {
  const value = /^#?([0-9a-f]{6})$/i.exec(hex)?.[1] ?? '000000'
  return [0, 2, 4].map((at) => Number.parseInt(value.slice(at, at + 2), 16) / 255) as [
    number,
    number,
    number,
  ]
}
