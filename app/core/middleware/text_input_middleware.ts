import type { HttpContext } from '@adonisjs/core/http'
import type { NextFn } from '@adonisjs/core/types/http'
import { errors as vineErrors } from '@vinejs/vine'
import { isSecretField } from '#core/http/forms'
import { bodyTooDeep, MAX_BODY_DEPTH } from '#core/http/body_limits'
import { isRawBodyRoute } from '#core/http/raw_body'
import { bidiControlIn, bidiControlMessage, stripControls } from '#core/services/control_characters'

type Refusal = { field: string; message: string; rule: string }

/**
 * Every text input, once, before any route sees it: the query string and
 * the parsed body (form, JSON or multipart fields) lose their C0/C1 control
 * characters (tab, LF and CR kept: addresses and notes span lines), and a
 * body holding a bidi override or isolate is refused with a field error
 * naming where it is. A NUL otherwise reaches PostgreSQL (which refuses it:
 * a 500) and every page and export on SQLite. Secrets (passwords, tokens)
 * are passed through untouched: they are compared, never shown.
 */
export default class TextInputMiddleware {
  async handle({ request, route }: HttpContext, next: NextFn) {
    // Webhooks read their raw, signed body (#core/http/raw_body).
    if (isRawBodyRoute(route)) return next()
    request.updateQs(clean(request.qs(), { refusals: null, depth: 0, path: '' }) as any)
    const refusals: Refusal[] = []
    const body = clean(request.body(), { refusals, depth: 0, path: '' })
    if (refusals.length) throw new vineErrors.E_VALIDATION_ERROR(refusals)
    request.updateBody(body as any)
    return next()
  }
}

type Walk = { refusals: Refusal[] | null; depth: number; path: string }

function clean(value: unknown, walk: Walk): unknown {
  if (typeof value === 'string') {
    const text = stripControls(value, { keepLines: true })
    const bidi = walk.refusals ? bidiControlIn(text) : null
    if (bidi) {
      walk.refusals!.push({ field: walk.path, message: bidiControlMessage(bidi), rule: 'bidi' })
    }
    // The body parser turns empty strings into null; a value that was only control characters follows suit.
    return text === '' && value !== '' && walk.refusals ? null : text
  }
  if (value === null || typeof value !== 'object') return value
  if (walk.depth >= MAX_BODY_DEPTH) throw bodyTooDeep()
  const at = (key: string | number) => ({
    ...walk,
    depth: walk.depth + 1,
    path: walk.path === '' ? String(key) : `${walk.path}.${key}`,
  })
  if (Array.isArray(value)) return value.map((item, index) => clean(item, at(index)))
  // Uploaded files (multipart) and other class instances are not text.
  const prototype = Object.getPrototypeOf(value)
  if (prototype !== Object.prototype && prototype !== null) return value
  const result: Record<string, unknown> = {}
  for (const [rawKey, item] of Object.entries(value)) {
    const key = stripControls(rawKey)
    if (key === '__proto__') continue
    result[key] = isSecretField(key) ? item : clean(item, at(key))
  }
  return result
}
