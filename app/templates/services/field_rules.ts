import {
  DATE_FORMATS,
  DEFAULT_DATE_FORMAT,
  FIELD_KEY_PATTERN,
  type FieldSpec,
  STANDARD_FIELD_KEYS,
  isDateFormat,
  isStandardKey,
} from '#templates/services/field_spec'
import { namesPrototypeMember } from '#core/services/own_keys'
import { DEFAULT_FONT_FAMILY, resolveFontFamilyKey } from '#templates/services/fonts'
import type { FieldInput } from '#templates/validators/template_fields'

/**
 * Turns validated field input into the renderer's `FieldSpec`s, filling
 * defaults and checking what only makes sense together: keys unique and
 * well-formed, boxes on the page, fonts and date formats we have, image
 * fields pointing at one of the org's images. Every problem names the field
 * (`fields.2.font_family`) and says what to do.
 */

export interface FieldProblem {
  field: string
  code: string
  message: string
}

export interface FieldRulesContext {
  pageWidth: number
  pageHeight: number
  /** Ids of the org's branding images that image fields may use. */
  assetIds: ReadonlySet<string>
}

/** How far (points) a box may stick out of the page before it is refused rather than clipped. */
const EDGE_TOLERANCE = 1

const round2 = (value: number) => Math.round(value * 100) / 100

function defaultKey(input: FieldInput, index: number) {
  if (input.type === 'qrcode') return 'verification_url'
  if (input.type === 'image') return `image_${index + 1}`
  if (input.type === 'date') return 'issue_date'
  return ''
}

export function normaliseFields(
  inputs: FieldInput[],
  context: FieldRulesContext
): { ok: true; fields: FieldSpec[] } | { ok: false; problems: FieldProblem[] } {
  const problems: FieldProblem[] = []
  const seen = new Map<string, number>()
  const fields: FieldSpec[] = []

  inputs.forEach((input, index) => {
    const at = (name: string) => `fields.${index}.${name}`
    const problem = (name: string, code: string, message: string) =>
      problems.push({ field: at(name), code, message: `Field ${index + 1}: ${message}` })

    const key = (input.key ?? '').trim() || defaultKey(input, index)
    if (!key)
      problem(
        'key',
        'E_FIELD_KEY_REQUIRED',
        'choose the data key it shows (for example recipient_name).'
      )
    else if (!FIELD_KEY_PATTERN.test(key)) {
      problem(
        'key',
        'E_FIELD_KEY_INVALID',
        `"${key}" is not a valid key: use lowercase letters, digits and underscores, starting with a letter.`
      )
    } else if (namesPrototypeMember(key)) {
      problem(
        'key',
        'E_FIELD_KEY_RESERVED',
        `"${key}" is a reserved word and cannot be a data key; choose another name (for example ${key}_text).`
      )
    } else if (seen.has(key)) {
      problem(
        'key',
        'E_FIELD_KEY_DUPLICATE',
        `the key "${key}" is already used by field ${seen.get(key)! + 1}; each key can be placed once.`
      )
    } else seen.set(key, index)

    if (
      input.x + input.width > context.pageWidth + EDGE_TOLERANCE ||
      input.y + input.height > context.pageHeight + EDGE_TOLERANCE
    ) {
      problem(
        input.x + input.width > context.pageWidth + EDGE_TOLERANCE ? 'width' : 'height',
        'E_FIELD_OUTSIDE_PAGE',
        `the box (${round2(input.x)}, ${round2(input.y)}, ${round2(input.width)} × ${round2(input.height)} pt) goes past the page, which is ${context.pageWidth} × ${context.pageHeight} pt.`
      )
    }

    const fontFamily = input.font_family
      ? resolveFontFamilyKey(input.font_family)
      : DEFAULT_FONT_FAMILY
    if (!fontFamily)
      problem(
        'font_family',
        'E_FONT_UNKNOWN',
        `there is no font "${input.font_family}"; choose one of the bundled fonts.`
      )

    const dateFormat = input.date_format ?? DEFAULT_DATE_FORMAT
    if (!isDateFormat(dateFormat)) {
      problem(
        'date_format',
        'E_DATE_FORMAT_UNKNOWN',
        `"${dateFormat}" is not a date format we offer (${Object.keys(DATE_FORMATS).join(', ')}).`
      )
    }

    const fontSize = input.font_size ?? (input.type === 'date' ? 14 : 24)
    const minFontSize = input.min_font_size ?? Math.min(8, fontSize)
    if (minFontSize > fontSize)
      problem(
        'min_font_size',
        'E_MIN_FONT_SIZE',
        `the smallest size (${minFontSize} pt) is larger than the size (${fontSize} pt).`
      )

    const assetId = input.type === 'image' ? (input.asset_id ?? null) : null
    if (input.type === 'image') {
      if (!assetId)
        problem('asset_id', 'E_IMAGE_REQUIRED', 'choose which logo, stamp or signature it shows.')
      else if (!context.assetIds.has(assetId))
        problem(
          'asset_id',
          'E_IMAGE_UNKNOWN',
          'that image is not one of this organization’s branding images.'
        )
    }

    fields.push({
      key,
      type: input.type,
      label: input.label?.trim() || labelFor(key),
      x: round2(input.x),
      y: round2(input.y),
      width: round2(input.width),
      height: round2(input.height),
      required: input.required ?? key === 'recipient_name',
      fontFamily: fontFamily ?? DEFAULT_FONT_FAMILY,
      fontSize,
      minFontSize,
      color: (input.color ?? '#111111').toLowerCase(),
      align: input.align ?? 'center',
      bold: input.bold ?? false,
      autoFit: input.auto_fit ?? true,
      dateFormat: isDateFormat(dateFormat) ? dateFormat : DEFAULT_DATE_FORMAT,
      assetId,
      qrColor: (input.qr_color ?? '#000000').toLowerCase(),
    })
  })

  return problems.length ? { ok: false, problems } : { ok: true, fields }
}

/** "recipient_name" → "Recipient name", custom "batch_code" → "Batch code". */
export function labelFor(key: string) {
  if (isStandardKey(key)) return STANDARD_FIELD_KEYS[key]
  const words = key.replace(/_+/g, ' ').trim()
  return words ? words[0].toUpperCase() + words.slice(1) : 'Field'
}
