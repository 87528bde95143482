/**
 * Certificate numbers are built from an org's format, e.g. `{prefix}-{YYYY}-{seq:6}`
 * → `ACME-2026-000042`. Pure functions: the settings page validates and
 * previews a format with them, issuance renders numbers with them.
 */

export const CERTIFICATE_NUMBER_TOKENS = [
  '{prefix}',
  '{YYYY}',
  '{YY}',
  '{MM}',
  '{seq}',
  '{seq:N}',
] as const

export const MAX_FORMAT_LENGTH = 80
export const MAX_SEQ_WIDTH = 12

/** Characters allowed between tokens: they end up in file names and URLs. */
const LITERAL = /^[A-Za-z0-9._-]$/

export type FormatPart =
  | { type: 'literal'; value: string }
  | { type: 'prefix' }
  | { type: 'year4' }
  | { type: 'year2' }
  | { type: 'month' }
  | { type: 'seq'; width: number }

export type FormatProblem =
  | { code: 'empty' }
  | { code: 'too_long'; max: number }
  | { code: 'unknown_token'; token: string }
  | { code: 'unclosed_brace' }
  | { code: 'invalid_character'; character: string }
  | { code: 'missing_seq' }
  | { code: 'several_seq' }
  | { code: 'seq_width'; max: number }

export type ParsedFormat = { ok: true; parts: FormatPart[] } | { ok: false; problem: FormatProblem }

export function parseCertificateNumberFormat(format: string): ParsedFormat {
  if (format.length === 0) return { ok: false, problem: { code: 'empty' } }
  if (format.length > MAX_FORMAT_LENGTH)
    return { ok: false, problem: { code: 'too_long', max: MAX_FORMAT_LENGTH } }

  const parts: FormatPart[] = []
  let literal = ''
  let index = 0
  const flush = () => {
    if (literal) parts.push({ type: 'literal', value: literal })
    literal = ''
  }

  while (index < format.length) {
    const char = format[index]
    if (char === '{') {
      const end = format.indexOf('}', index)
      if (end === -1) return { ok: false, problem: { code: 'unclosed_brace' } }
      const token = format.slice(index, end + 1)
      const part = tokenPart(token)
      if (!part) return { ok: false, problem: { code: 'unknown_token', token } }
      if (part.type === 'seq' && (part.width < 1 || part.width > MAX_SEQ_WIDTH)) {
        return { ok: false, problem: { code: 'seq_width', max: MAX_SEQ_WIDTH } }
      }
      flush()
      parts.push(part)
      index = end + 1
      continue
    }
    if (char === '}') return { ok: false, problem: { code: 'unknown_token', token: '}' } }
    if (!LITERAL.test(char))
      return { ok: false, problem: { code: 'invalid_character', character: char } }
    literal += char
    index += 1
  }
  flush()

  const seqCount = parts.filter((part) => part.type === 'seq').length
  if (seqCount === 0) return { ok: false, problem: { code: 'missing_seq' } }
  if (seqCount > 1) return { ok: false, problem: { code: 'several_seq' } }
  return { ok: true, parts }
}

function tokenPart(token: string): FormatPart | null {
  switch (token) {
    case '{prefix}':
      return { type: 'prefix' }
    case '{YYYY}':
      return { type: 'year4' }
    case '{YY}':
      return { type: 'year2' }
    case '{MM}':
      return { type: 'month' }
    case '{seq}':
      return { type: 'seq', width: 1 }
  }
  const padded = /^\{seq:(\d{1,3})\}$/.exec(token)
  return padded ? { type: 'seq', width: Number(padded[1]) } : null
}

/** A sentence for a format problem, for forms and error responses. */
export function describeFormatProblem(problem: FormatProblem): string {
  switch (problem.code) {
    case 'empty':
      return 'Enter a number format.'
    case 'too_long':
      return `The format can be at most ${problem.max} characters.`
    case 'unknown_token':
      return `"${problem.token}" is not a known placeholder. Use {prefix}, {YYYY}, {YY}, {MM}, {seq} or {seq:N}.`
    case 'unclosed_brace':
      return 'A placeholder is missing its closing "}".'
    case 'invalid_character':
      return `"${problem.character}" is not allowed; use letters, digits, "-", "_" or "." between placeholders.`
    case 'missing_seq':
      return 'The format must contain {seq} or {seq:N} so every number is unique.'
    case 'several_seq':
      return 'The format can contain the sequence ({seq} or {seq:N}) only once.'
    case 'seq_width':
      return `The sequence width N in {seq:N} must be between 1 and ${problem.max}.`
  }
}

export interface CertificateNumberValues {
  prefix: string
  /** Issue date; its UTC year and month fill {YYYY}, {YY} and {MM}. */
  date: Date
  sequence: number
}

/**
 * Renders a number. Throws on an invalid format: formats are validated when
 * saved, so an invalid one here is a bug, not user input.
 */
export function formatCertificateNumber(format: string, values: CertificateNumberValues): string {
  const parsed = parseCertificateNumberFormat(format)
  if (!parsed.ok)
    throw new Error(`Invalid certificate number format: ${describeFormatProblem(parsed.problem)}`)
  if (!Number.isSafeInteger(values.sequence) || values.sequence < 1) {
    throw new Error('The certificate sequence must be a positive integer')
  }
  const year = String(values.date.getUTCFullYear())
  const month = String(values.date.getUTCMonth() + 1).padStart(2, '0')
  return parsed.parts
    .map((part) => {
      switch (part.type) {
        case 'literal':
          return part.value
        case 'prefix':
          return values.prefix
        case 'year4':
          return year
        case 'year2':
          return year.slice(-2)
        case 'month':
          return month
        case 'seq':
          return String(values.sequence).padStart(part.width, '0')
      }
    })
    .join('')
}

/** What the first certificate issued today would be numbered; for settings pages. */
export function previewCertificateNumber(
  format: string,
  prefix: string,
  date = new Date()
): string | null {
  const parsed = parseCertificateNumberFormat(format)
  return parsed.ok ? formatCertificateNumber(format, { prefix, date, sequence: 1 }) : null
}

/** Prefixes: 2–12 characters, A–Z and 0–9. */
export const CERTIFICATE_PREFIX_PATTERN = /^[A-Z0-9]{2,12}$/
