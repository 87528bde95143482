/**
 * The `{name}` variables of a delivery template: finding them, checking them
 * against what an org can fill, and substituting a recipient's values.
 *
 * Syntax: `{recipient_name}` is a variable; `{{` and `}}` are a literal `{`
 * and `}` (doubling, as in Python's format strings), so CSS or a brace in a
 * sentence can still be written. Any other brace is refused at save, so a
 * typo never reaches a recipient as raw `{recipent_name`.
 */

/** What every template can use, whatever the org imported. */
export const BUILT_IN_VARIABLES = [
  'recipient_name',
  'course_name',
  'certificate_number',
  'certificate_count',
  'verification_url',
  'recipient_page_url',
  'org_name',
  'issue_date',
  'expiry_date',
] as const

export type BuiltInVariable = (typeof BUILT_IN_VARIABLES)[number]

type Piece = { text: string } | { variable: string }

export type ParsedTemplate =
  | { kind: 'parsed'; pieces: Piece[]; variables: string[] }
  | { kind: 'stray_brace'; brace: '{' | '}'; position: number }

/** The text split into literal text and variables (in order, variables listed once). */
export function parseVariables(source: string): ParsedTemplate {
  const pieces: Piece[] = []
  const variables: string[] = []
  let text = ''
  let i = 0
  while (i < source.length) {
    const char = source[i]
    if ((char === '{' || char === '}') && source[i + 1] === char) {
      text += char
      i += 2
      continue
    }
    if (char === '}') return { kind: 'stray_brace', brace: '}', position: i }
    if (char === '{') {
      const end = source.indexOf('}', i + 1)
      const inner = end === -1 ? '' : source.slice(i + 1, end)
      if (end === -1 || inner.includes('{') || inner.trim() === '') {
        return { kind: 'stray_brace', brace: '{', position: i }
      }
      if (text) pieces.push({ text })
      text = ''
      const name = inner.trim()
      pieces.push({ variable: name })
      if (!variables.includes(name)) variables.push(name)
      i = end + 1
      continue
    }
    text += char
    i++
  }
  if (text) pieces.push({ text })
  return { kind: 'parsed', pieces, variables }
}

/**
 * Why a text cannot be saved, in words, or null when every variable is known.
 * `label` names the field ("The subject").
 */
export function variableProblem(source: string, known: readonly string[], label: string) {
  const parsed = parseVariables(source)
  if (parsed.kind === 'stray_brace') {
    const near = source.slice(Math.max(0, parsed.position - 15), parsed.position + 15)
    return `${label} has a "${parsed.brace}" that is not part of a variable (near "${near.trim()}"). Write {{ or }} for a literal brace.`
  }
  const unknown = parsed.variables.filter((name) => !known.includes(name))
  if (unknown.length === 0) return null
  return unknownVariablesMessage(unknown, known)
}

export function unknownVariablesMessage(unknown: string[], known: readonly string[]) {
  const names = unknown.map((name) => `{${name}}`).join(', ')
  return `Unknown variable${unknown.length === 1 ? '' : 's'} ${names}. Known variables: ${known.map((name) => `{${name}}`).join(', ')}.`
}

/** The variables a text uses (empty when it does not parse). */
export function variablesOf(source: string) {
  const parsed = parseVariables(source)
  return parsed.kind === 'parsed' ? parsed.variables : []
}

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}

export function escapeHtml(value: string) {
  return value.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char])
}

/**
 * The text with each variable replaced by its value (a missing one by an
 * empty string), escaped for HTML when `html` is set. A text that does not
 * parse was refused at save; should one arrive anyway it is returned as is.
 */
export function renderVariables(
  source: string,
  values: Readonly<Record<string, string>>,
  options: { html: boolean }
) {
  const parsed = parseVariables(source)
  if (parsed.kind !== 'parsed') return source
  return parsed.pieces
    .map((piece) => {
      if ('text' in piece) return piece.text
      const value = Object.hasOwn(values, piece.variable) ? values[piece.variable] : ''
      return options.html ? escapeHtml(value) : value
    })
    .join('')
}
